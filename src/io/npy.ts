/**
 * NumPy `.npy` / `.npz` reader and writer on plain Uint8Arrays (browser-safe).
 *
 * .npy: "\x93NUMPY", version (1|2|3).0, header length (u16 for v1, u32 after),
 * a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (..)}`
 * padded so the data is aligned, then the raw C-order array. .npz is a zip of
 * `<name>.npy` members (stored or deflated), unpacked with fflate.
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { boundedProduct, copyLE, errorText, isShape, oneLine, quote, viewLE } from './bytes.js';

export type NpyDtype = '<f4' | '<f8' | '<i4' | '<i8' | '|u1' | '|b1';
export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const ITEM_SIZE: Record<NpyDtype, number> = { '<f4': 4, '<f8': 8, '<i4': 4, '<i8': 8, '|u1': 1, '|b1': 1 };
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** NumPy itself refuses headers over 10 kB by default; allow generous room. */
const MAX_HEADER_BYTES = 1 << 20;

/** Thrown for format problems; lets parseNpz tell them from fflate's own errors. */
class NpyFormatError extends Error {}

type Fail = (msg: string) => never;

function failer(source: string): Fail {
  return (msg) => {
    throw new NpyFormatError(`${oneLine(source)}: ${msg}`);
  };
}

function isNpyDtype(s: unknown): s is NpyDtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(ITEM_SIZE, s);
}

// ------------------------------------------------ header: a Python literal

type PyValue = string | number | boolean | null | PyValue[] | Map<PyValue, PyValue>;

/** Recursive-descent parser for the tiny Python literal subset numpy writes. */
function parsePyLiteral(text: string, fail: Fail): PyValue {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (depth: number): PyValue => {
    if (depth > 32) fail('header nests too deeply');
    ws();
    const c = text[i];
    if (c === '{' || c === '(' || c === '[') {
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i++;
      const items: PyValue[] = [];
      const dict = new Map<PyValue, PyValue>();
      for (;;) {
        ws();
        if (text[i] === close) break;
        const item = value(depth + 1);
        ws();
        if (c === '{') {
          if (text[i++] !== ':') fail(`header is not a Python dict literal (expected ':' at ${i - 1})`);
          dict.set(item, value(depth + 1));
          ws();
        } else items.push(item);
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`header is not a Python literal (unexpected ${quote(text[i] ?? 'end')} at ${i})`);
      }
      i++;
      return c === '{' ? dict : items;
    }
    if (c === "'" || c === '"') {
      const start = ++i;
      while (i < text.length && text[i] !== c) i += text[i] === '\\' ? 2 : 1;
      if (i >= text.length) fail('header has an unterminated string');
      return text.slice(start, i++);
    }
    const word = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 24));
    if (!word) fail(`header is not a Python literal (unexpected ${quote(c ?? 'end')} at ${i})`);
    i += word[0].length;
    if (word[0] === 'True' || word[0] === 'False') return word[0] === 'True';
    if (word[0] === 'None') return null;
    return Number.parseInt(word[0], 10); // "3L" from Python 2 parses as 3
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail(`header has trailing text at ${i}`);
  return v;
}

interface Header {
  dtype: NpyDtype;
  shape: number[];
  dataStart: number;
}

function parseHeader(bytes: Uint8Array, fail: Fail): Header {
  if (bytes.length < 10) fail(`truncated file: ${bytes.length} bytes, too short for a .npy header`);
  if (!MAGIC.every((b, k) => bytes[k] === b)) fail('not a .npy file (bad magic)');
  const major = bytes[6];
  if (major < 1 || major > 3) fail(`unsupported .npy version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) fail(`truncated file: ${bytes.length} bytes, too short for a v${major} header`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen > MAX_HEADER_BYTES) fail(`header length ${headerLen} is absurd (limit ${MAX_HEADER_BYTES})`);
  if (prefix + headerLen > bytes.length) fail(`truncated file: header length ${headerLen} exceeds the file`);
  let text: string;
  try {
    // v1/v2 headers are latin1; v3 allows UTF-8.
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(bytes.subarray(prefix, prefix + headerLen));
  } catch {
    return fail('header is not valid text');
  }
  const dict = parsePyLiteral(text, fail);
  if (!(dict instanceof Map)) fail('header is not a dict');
  const keys = [...dict.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') fail(`header keys must be descr, fortran_order, shape; got ${quote(keys)}`);
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (!isNpyDtype(descr)) {
    fail(`unsupported dtype ${typeof descr === 'string' ? quote(descr) : '(structured)'}; need one of ${Object.keys(ITEM_SIZE).join(' ')}`);
  }
  if (typeof fortran !== 'boolean') fail('fortran_order is not True/False');
  if (fortran) fail('fortran_order=True arrays are not supported; save a C-order array (np.ascontiguousarray)');
  if (!isShape(shape)) fail('shape is not a tuple of non-negative integers');
  return { dtype: descr, shape, dataStart: prefix + headerLen };
}

function typedArray(dtype: NpyDtype, buf: ArrayBuffer): NpyData {
  switch (dtype) {
    case '<f4': return new Float32Array(buf);
    case '<f8': return new Float64Array(buf);
    case '<i4': return new Int32Array(buf);
    case '<i8': return new BigInt64Array(buf);
    case '|u1':
    case '|b1': return new Uint8Array(buf);
  }
}

/** Parse a .npy file; errors are one line and start with `source`. */
export function parseNpy(bytes: Uint8Array, source = 'npy'): NpyArray {
  const fail = failer(source);
  if (!(bytes instanceof Uint8Array)) fail('input is not a Uint8Array');
  const { dtype, shape, dataStart } = parseHeader(bytes, fail);
  const available = bytes.length - dataStart;
  const need = boundedProduct(shape, available) * ITEM_SIZE[dtype];
  if (need !== available) {
    const what = Number.isFinite(need) ? `${need} bytes` : 'more bytes than the file holds';
    fail(`shape (${shape.join(', ')}) ${dtype} needs ${what} of data but the file has ${available}`);
  }
  return { dtype, shape: shape.slice(), data: typedArray(dtype, copyLE(bytes.subarray(dataStart), ITEM_SIZE[dtype])) };
}

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof BigInt64Array) return '<i8';
  if (data instanceof Uint8Array) return '|u1';
  throw new Error('encodeNpy: unsupported array type');
}

/**
 * Serialise a C-order array. dtype follows the array type; pass '|b1' to write
 * a Uint8Array of 0/1 as bool. Header padded so data starts on a 64-byte boundary.
 */
export function encodeNpy(data: NpyData, shape: readonly number[], dtype: NpyDtype = dtypeOf(data)): Uint8Array {
  if (!isShape(shape)) throw new Error(`encodeNpy: invalid shape [${String(shape)}]`);
  const natural = dtypeOf(data);
  if (dtype !== natural && !(dtype === '|b1' && natural === '|u1')) {
    throw new Error(`encodeNpy: dtype ${dtype} does not match a ${data.constructor.name}`);
  }
  const count = boundedProduct(shape, Number.MAX_SAFE_INTEGER);
  if (count !== data.length) throw new Error(`encodeNpy: shape (${shape.join(', ')}) has ${count} elements but data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const v1 = header.length + 64 <= 0xffff; // room for padding
  const prefix = v1 ? 10 : 12;
  header += ' '.repeat(63 - ((prefix + header.length) % 64)) + '\n';
  const body = viewLE(data);
  const out = new Uint8Array(prefix + header.length + body.length);
  out.set(MAGIC);
  out[6] = v1 ? 1 : 2;
  const view = new DataView(out.buffer);
  if (v1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let k = 0; k < header.length; k++) out[prefix + k] = header.charCodeAt(k);
  out.set(body, prefix + header.length);
  return out;
}

// ------------------------------------------------ .npz

/** Parse a .npz archive into arrays keyed by member name without ".npy". */
export function parseNpz(bytes: Uint8Array, source = 'npz'): Record<string, NpyArray> {
  const fail = failer(source);
  if (!(bytes instanceof Uint8Array)) fail('input is not a Uint8Array');
  if (bytes.length < 22) fail(`truncated file: ${bytes.length} bytes, too short for a zip archive`);
  const maxEntries = Math.floor(bytes.length / 46); // smallest central directory record
  let entries = 0;
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      // Runs before fflate allocates each member, so sizes are checked first.
      filter: (f) => {
        if (++entries > maxEntries) fail('zip central directory is corrupt (too many entries)');
        if (!f.name.endsWith('.npy')) return false; // np.savez writes only .npy members
        const name = quote(f.name);
        if (f.compression !== 0 && f.compression !== 8) fail(`member ${name} uses unsupported zip compression method ${f.compression}`);
        if (f.size > bytes.length) fail(`member ${name} claims ${f.size} compressed bytes; the archive is truncated or corrupt`);
        const plausible = f.compression === 0 ? f.originalSize === f.size : f.originalSize <= f.size * 1032 + 1024;
        if (!plausible) fail(`member ${name} has inconsistent sizes (${f.size} stored, ${f.originalSize} unpacked)`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof NpyFormatError) throw e;
    return fail(`not a valid zip archive (${errorText(e)})`);
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, member] of Object.entries(members)) {
    Object.defineProperty(out, name.slice(0, -4), {
      value: parseNpy(member, `${source}:${name}`),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

export interface NpzEntry {
  data: NpyData;
  shape: readonly number[];
  dtype?: NpyDtype;
}

/** Build a .npz; `compress` gives np.savez_compressed's deflate, else stored like np.savez. */
export function encodeNpz(arrays: Record<string, NpzEntry>, options: { compress?: boolean } = {}): Uint8Array {
  const files: Zippable = {};
  // Fixed timestamp so identical arrays give identical bytes.
  const opts = { level: options.compress ? 6 : 0, mtime: new Date(1980, 0, 1) } as const;
  for (const [name, a] of Object.entries(arrays)) {
    if (name === '') throw new Error('encodeNpz: empty array name');
    files[`${name}.npy`] = [encodeNpy(a.data, a.shape, a.dtype), opts];
  }
  return zipSync(files);
}
