/**
 * safetensors reader/writer on plain Uint8Arrays (browser-safe).
 *
 * Layout: u64 little-endian header length N, N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {k: v}}`,
 * then the raw little-endian tensor bytes; offsets are relative to the end of
 * the header. Every number from the file is validated against the real byte
 * count before it sizes an allocation, and every failure is a one-line Error
 * that starts with the source name.
 */

import { boundedProduct, copyLE, errorText, isShape, oneLine, quote, viewLE } from './bytes.js';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8' | 'BOOL';

/** What decode returns per dtype; F16 and BF16 are widened to Float32Array. */
export type TensorData = Float64Array | Float32Array | BigInt64Array | Int32Array | Uint8Array;

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: TensorData;
}

export interface SafetensorsFile {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** dtypes we can write, with the typed array each must come in. */
export type WritableTensor =
  | { dtype: 'F64'; shape: number[]; data: Float64Array }
  | { dtype: 'F32'; shape: number[]; data: Float32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array }
  | { dtype: 'U8' | 'BOOL'; shape: number[]; data: Uint8Array };

const ITEM_SIZE: Record<SafetensorsDtype, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1,
};

/** Headers are small JSON; anything bigger is corruption or an attack. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const METADATA_KEY = '__metadata__';

function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(ITEM_SIZE, s);
}

// ---------------------------------------------------------------- decode

function f16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

function bf16ToF32(bits: Uint16Array): Float32Array {
  const wide = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) wide[i] = bits[i] << 16;
  return new Float32Array(wide.buffer);
}

function decodeData(dtype: SafetensorsDtype, raw: Uint8Array): TensorData {
  const buf = copyLE(raw, ITEM_SIZE[dtype]);
  switch (dtype) {
    case 'F64': return new Float64Array(buf);
    case 'F32': return new Float32Array(buf);
    case 'F16': return f16ToF32(new Uint16Array(buf));
    case 'BF16': return bf16ToF32(new Uint16Array(buf));
    case 'I64': return new BigInt64Array(buf);
    case 'I32': return new Int32Array(buf);
    case 'U8':
    case 'BOOL': return new Uint8Array(buf);
  }
}

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, v: unknown, dataBytes: number, fail: (m: string) => never): Entry {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`tensor ${quote(name)} is not an object`);
  const { dtype, shape, data_offsets: offsets } = v as Record<string, unknown>;
  if (typeof dtype !== 'string') fail(`tensor ${quote(name)} has no dtype`);
  if (!isDtype(dtype)) fail(`tensor ${quote(name)} has unsupported dtype ${quote(dtype)}`);
  if (!isShape(shape)) fail(`tensor ${quote(name)} has an invalid shape (need an array of non-negative integers)`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o))) {
    fail(`tensor ${quote(name)} has invalid data_offsets (need [begin, end] integers)`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin < 0 || end < begin || end > dataBytes) {
    fail(`tensor ${quote(name)} data_offsets [${begin}, ${end}] out of range (data section is ${dataBytes} bytes)`);
  }
  const want = boundedProduct(shape, dataBytes) * ITEM_SIZE[dtype];
  if (want !== end - begin) {
    const wantText = Number.isFinite(want) ? `${want} bytes` : 'more bytes than the file holds';
    fail(`tensor ${quote(name)} shape [${shape.join(', ')}] ${dtype} needs ${wantText} but data_offsets span ${end - begin}`);
  }
  return { name, dtype, shape: shape.slice(), begin, end };
}

function parseMetadata(v: unknown, fail: (m: string) => never): Record<string, string> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('__metadata__ is not an object');
  const entries = Object.entries(v as Record<string, unknown>);
  for (const [k, val] of entries) {
    if (typeof val !== 'string') fail(`__metadata__ value for ${quote(k)} is not a string`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Parse a safetensors byte buffer; `source` (usually the file name) prefixes errors. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  const fail: (msg: string) => never = (msg) => {
    throw new Error(`${oneLine(source)}: ${msg}`);
  };
  if (!(bytes instanceof Uint8Array)) fail('input is not a Uint8Array');
  if (bytes.length < 8) fail(`truncated file: ${bytes.length} bytes, need at least 8 for the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenLo = view.getUint32(0, true);
  const lenHi = view.getUint32(4, true);
  const headerLen = lenHi * 2 ** 32 + lenLo; // may be inexact past 2**53, still huge
  if (headerLen > MAX_HEADER_BYTES) fail(`header length ${headerLen} is absurd (limit ${MAX_HEADER_BYTES} bytes); not a safetensors file?`);
  if (8 + headerLen > bytes.length) fail(`truncated file: header length ${headerLen} exceeds the ${bytes.length - 8} bytes after the length field`);
  if (headerLen < 2) fail(`header length ${headerLen} is too small for a JSON object`);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    return fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not JSON (${errorText(e)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header JSON is not an object');

  const dataStart = 8 + headerLen;
  const dataBytes = bytes.length - dataStart;
  const raw = header as Record<string, unknown>;
  const metadata = parseMetadata(raw[METADATA_KEY], fail);
  const entries = Object.keys(raw)
    .filter((k) => k !== METADATA_KEY)
    .map((name) => parseEntry(name, raw[name], dataBytes, fail));

  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    // Zero-byte tensors occupy nothing, so they cannot overlap anything.
    if (cur.begin < prev.end && cur.end > cur.begin) {
      fail(`tensors ${quote(prev.name)} [${prev.begin}, ${prev.end}] and ${quote(cur.name)} [${cur.begin}, ${cur.end}] overlap`);
    }
  }

  const tensors = Object.fromEntries(
    entries.map((e): [string, SafetensorsTensor] => [
      e.name,
      { dtype: e.dtype, shape: e.shape, data: decodeData(e.dtype, bytes.subarray(dataStart + e.begin, dataStart + e.end)) },
    ]),
  );
  return { tensors, metadata };
}

// ---------------------------------------------------------------- encode

const ARRAY_TYPE: Record<WritableTensor['dtype'], string> = {
  F64: 'Float64Array', F32: 'Float32Array', I64: 'BigInt64Array', I32: 'Int32Array', U8: 'Uint8Array', BOOL: 'Uint8Array',
};

function arrayMatches(t: WritableTensor): boolean {
  switch (t.dtype) {
    case 'F64': return t.data instanceof Float64Array;
    case 'F32': return t.data instanceof Float32Array;
    case 'I64': return t.data instanceof BigInt64Array;
    case 'I32': return t.data instanceof Int32Array;
    case 'U8':
    case 'BOOL': return t.data instanceof Uint8Array;
  }
}

/**
 * Serialise tensors (in insertion order) plus optional string metadata. The
 * header is space-padded to a multiple of 8 so the data section is aligned,
 * as the reference implementation does.
 */
export function encodeSafetensors(
  tensors: Record<string, WritableTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`encodeSafetensors: metadata ${quote(k)} is not a string`);
    }
    header[METADATA_KEY] = { ...metadata };
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === METADATA_KEY || name === '') throw new Error(`encodeSafetensors: invalid tensor name ${quote(name)}`);
    if (!isDtype(t.dtype) || !(t.dtype in ARRAY_TYPE)) throw new Error(`encodeSafetensors: cannot write dtype ${quote(String(t.dtype))} (${quote(name)})`);
    if (!arrayMatches(t)) throw new Error(`encodeSafetensors: ${quote(name)} is ${t.dtype} but data is not a ${ARRAY_TYPE[t.dtype]}`);
    if (!isShape(t.shape)) throw new Error(`encodeSafetensors: ${quote(name)} has an invalid shape`);
    const count = boundedProduct(t.shape, Number.MAX_SAFE_INTEGER);
    if (count !== t.data.length) {
      throw new Error(`encodeSafetensors: ${quote(name)} shape [${t.shape.join(', ')}] has ${count} elements but data has ${t.data.length}`);
    }
    const bytes = viewLE(t.data);
    // Own property even for names like "__proto__".
    Object.defineProperty(header, name, {
      value: { dtype: t.dtype, shape: t.shape.slice(), data_offsets: [offset, offset + bytes.length] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** Widen any decoded tensor to float32 (I64 via Number, exact below 2**24). */
export function tensorToFloat32(t: SafetensorsTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.data instanceof BigInt64Array) return Float32Array.from(t.data, (v) => Number(v));
  return Float32Array.from(t.data);
}
