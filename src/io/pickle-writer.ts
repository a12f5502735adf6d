/**
 * A small pickle writer (protocol 3, what Python 3.0+ reads; reference: CPython's
 * Lib/pickletools.py for each opcode) for the values our exporters need: None, bool, int,
 * float, str, bytes, list, tuple, dict, numpy float32 arrays, and instances of a named class
 * rebuilt with `cls.__new__(cls)` + BUILD(state) (how Python pickles a plain object).
 *
 * Arrays are written as numpy pickles them: `numpy.core.multiarray._reconstruct(ndarray,
 * (0,), b'b')` + BUILD `(1, shape, dtype('<f4'), False, raw)`, the form our unpickler and
 * NVIDIA's TF pickles use; numpy 1.x and 2.x both load it. No memo: every value is written
 * where it occurs (only strings and small tuples repeat, so this costs little).
 */

/** A Python tuple (JS arrays are written as lists). */
export class PyTuple { constructor(readonly items: readonly PyValue[]) {} }
/** A Python float even when the value is integral (JS numbers that are integers become ints). */
export class PyFloat { constructor(readonly value: number) {} }
/** A float32 numpy array in C order. */
export class PyFloat32Array { constructor(readonly shape: readonly number[], readonly data: Float32Array) {} }
/** An instance of `module.name` made by `cls.__new__(cls)` and given `state` by BUILD. */
export class PyInstance { constructor(readonly module: string, readonly name: string, readonly state: PyValue) {} }

export type PyValue = null | boolean | number | string | Uint8Array | PyValue[] | PyTuple | PyFloat | PyFloat32Array | PyInstance
  | Map<string, PyValue>;

const enc = new TextEncoder();

class Writer {
  private chunks: Uint8Array[] = [];
  private buf = new Uint8Array(1 << 16);
  private n = 0;
  size = 0;

  private flush(): void {
    if (this.n) this.chunks.push(this.buf.slice(0, this.n));
    this.n = 0;
  }
  bytes(b: Uint8Array): void {
    if (b.length > 4096) { this.flush(); this.chunks.push(b); this.size += b.length; return; }
    if (this.n + b.length > this.buf.length) this.flush();
    this.buf.set(b, this.n);
    this.n += b.length;
    this.size += b.length;
  }
  op(...codes: number[]): void { this.bytes(Uint8Array.from(codes)); }
  u32(v: number): void { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); this.bytes(b); }
  result(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) { out.set(c, o); o += c.length; }
    return out;
  }
}

const OP = {
  PROTO: 0x80, STOP: 0x2e, NONE: 0x4e, TRUE: 0x88, FALSE: 0x89, BININT: 0x4a, BININT1: 0x4b, LONG1: 0x8a,
  BINFLOAT: 0x47, BINUNICODE: 0x58, BINBYTES: 0x42, SHORT_BINBYTES: 0x43, EMPTY_LIST: 0x5d, APPENDS: 0x65,
  EMPTY_TUPLE: 0x29, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, TUPLE: 0x74, MARK: 0x28, EMPTY_DICT: 0x7d,
  SETITEMS: 0x75, GLOBAL: 0x63, REDUCE: 0x52, NEWOBJ: 0x81, BUILD: 0x62,
} as const;

/** Python's pickle batches APPENDS / SETITEMS in groups of 1000. */
const BATCH = 1000;

function writeInt(w: Writer, v: number): void {
  if (v >= 0 && v < 256) return w.op(OP.BININT1, v);
  if (v >= -(2 ** 31) && v < 2 ** 31) {
    const b = new Uint8Array(5);
    b[0] = OP.BININT;
    new DataView(b.buffer).setInt32(1, v, true);
    return w.bytes(b);
  }
  // LONG1: little-endian two's complement, minimal length.
  let x = BigInt(v);
  const out: number[] = [];
  for (;;) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
    if ((x === 0n && !(out[out.length - 1] & 0x80)) || (x === -1n && out[out.length - 1] & 0x80)) break;
  }
  w.op(OP.LONG1, out.length, ...out);
}

function writeFloat(w: Writer, v: number): void {
  const b = new Uint8Array(9);
  b[0] = OP.BINFLOAT;
  new DataView(b.buffer).setFloat64(1, v, false); // big-endian, as pickle stores floats
  w.bytes(b);
}

function writeStr(w: Writer, s: string): void {
  const b = enc.encode(s);
  w.op(OP.BINUNICODE);
  w.u32(b.length);
  w.bytes(b);
}

function writeBytes(w: Writer, b: Uint8Array): void {
  if (b.length < 256) w.op(OP.SHORT_BINBYTES, b.length);
  else { w.op(OP.BINBYTES); w.u32(b.length); }
  w.bytes(b);
}

function writeGlobal(w: Writer, module: string, name: string): void {
  if (/[\n]/.test(module + name)) throw new Error(`pickle writer: bad global name ${module}.${name}`);
  w.op(OP.GLOBAL);
  w.bytes(enc.encode(`${module}\n${name}\n`));
}

function writeTuple(w: Writer, items: readonly PyValue[]): void {
  if (items.length === 0) return w.op(OP.EMPTY_TUPLE);
  if (items.length > 3) w.op(OP.MARK);
  for (const v of items) writeValue(w, v);
  w.op(items.length === 1 ? OP.TUPLE1 : items.length === 2 ? OP.TUPLE2 : items.length === 3 ? OP.TUPLE3 : OP.TUPLE);
}

function writeArray(w: Writer, a: PyFloat32Array): void {
  const count = a.shape.reduce((x, y) => x * y, 1);
  if (count !== a.data.length) throw new Error(`pickle writer: array of shape [${a.shape}] has ${a.data.length} values`);
  writeGlobal(w, 'numpy.core.multiarray', '_reconstruct');
  w.op(OP.MARK);
  writeGlobal(w, 'numpy', 'ndarray');
  writeTuple(w, [0]);
  writeBytes(w, Uint8Array.of(0x62)); // b'b'
  w.op(OP.TUPLE, OP.REDUCE);
  // ndarray.__setstate__((version, shape, dtype, is_fortran, rawdata))
  w.op(OP.MARK);
  writeInt(w, 1);
  writeTuple(w, a.shape as number[]);
  writeGlobal(w, 'numpy', 'dtype');
  writeTuple(w, ['f4', false, true]);
  w.op(OP.REDUCE);
  writeTuple(w, [3, '<', null, null, null, -1, -1, 0]); // dtype state: little-endian, no fields
  w.op(OP.BUILD);
  w.op(OP.FALSE);
  const raw = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  writeBytes(w, isLittleEndian ? raw : swap32(raw));
  w.op(OP.TUPLE, OP.BUILD);
}

const isLittleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
function swap32(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b);
  for (let i = 0; i < out.length; i += 4) out.subarray(i, i + 4).reverse();
  return out;
}

function writeValue(w: Writer, v: PyValue): void {
  if (v === null) return w.op(OP.NONE);
  if (typeof v === 'boolean') return w.op(v ? OP.TRUE : OP.FALSE);
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) return writeInt(w, v);
    return writeFloat(w, v);
  }
  if (typeof v === 'string') return writeStr(w, v);
  if (v instanceof Uint8Array) return writeBytes(w, v);
  if (v instanceof PyFloat) return writeFloat(w, v.value);
  if (v instanceof PyTuple) return writeTuple(w, v.items);
  if (v instanceof PyFloat32Array) return writeArray(w, v);
  if (v instanceof PyInstance) {
    writeGlobal(w, v.module, v.name);
    w.op(OP.EMPTY_TUPLE, OP.NEWOBJ);
    writeValue(w, v.state);
    return w.op(OP.BUILD);
  }
  if (Array.isArray(v)) {
    w.op(OP.EMPTY_LIST);
    for (let i = 0; i < v.length; i += BATCH) {
      w.op(OP.MARK);
      for (const x of v.slice(i, i + BATCH)) writeValue(w, x);
      w.op(OP.APPENDS);
    }
    return;
  }
  if (v instanceof Map) {
    w.op(OP.EMPTY_DICT);
    const entries = [...v.entries()];
    for (let i = 0; i < entries.length; i += BATCH) {
      w.op(OP.MARK);
      for (const [k, x] of entries.slice(i, i + BATCH)) { writeStr(w, k); writeValue(w, x); }
      w.op(OP.SETITEMS);
    }
    return;
  }
  throw new Error(`pickle writer: cannot pickle ${typeof v}`);
}

/** Pickles `v` (protocol 3). */
export function pickle(v: PyValue): Uint8Array {
  const w = new Writer();
  w.op(OP.PROTO, 3);
  writeValue(w, v);
  w.op(OP.STOP);
  return w.result();
}

/** A dict with string keys, in insertion order. */
export function pyDict(o: Record<string, PyValue | undefined>): Map<string, PyValue> {
  return new Map(Object.entries(o).filter((e): e is [string, PyValue] => e[1] !== undefined));
}
