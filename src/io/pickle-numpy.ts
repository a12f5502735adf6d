/**
 * Allow-list handlers for {@link unpickle}: numpy arrays, dtypes and scalars as numpy pickles
 * them (`numpy.core.multiarray._reconstruct` + BUILD with `ndarray.__setstate__`'s
 * `(version, shape, dtype, is_fortran, rawdata)`; `numpy.dtype(str, align, copy)` + BUILD with
 * the dtype state tuple; `numpy.core.multiarray.scalar(dtype, bytes)`), plus the few builtins
 * these files use (OrderedDict, set, frozenset, bytearray, `_codecs.encode` for protocol 2 bytes).
 * Reference: numpy/core/src/multiarray/methods.c (array_setstate, arraydescr_setstate).
 */
import { PyGlobal, type GlobalHandler } from './pickle.js';

export type NdData = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** A decoded numpy array in C order. float16 arrays are widened to float32 (dtype 'float32'). */
export interface NdArray { dtype: string; shape: number[]; data: NdData }

/** The placeholder `_reconstruct` returns; BUILD fills it in place. */
export class PyNdArray implements NdArray {
  dtype = '';
  shape: number[] = [];
  data: NdData = new Float32Array(0);
  built = false;
}

export class PyDtype {
  byteOrder = '|';
  constructor(readonly descr: string) {}
}

export function isNdArray(v: unknown): v is PyNdArray { return v instanceof PyNdArray && v.built; }

type Kind = { name: string; size: number; make: (b: ArrayBuffer) => NdData };
const KINDS: Record<string, Kind> = {
  f2: { name: 'float32', size: 2, make: (b) => halfToFloat(new Uint16Array(b)) },
  f4: { name: 'float32', size: 4, make: (b) => new Float32Array(b) },
  f8: { name: 'float64', size: 8, make: (b) => new Float64Array(b) },
  i1: { name: 'int8', size: 1, make: (b) => new Int8Array(b) },
  i2: { name: 'int16', size: 2, make: (b) => new Int16Array(b) },
  i4: { name: 'int32', size: 4, make: (b) => new Int32Array(b) },
  i8: { name: 'int64', size: 8, make: (b) => new BigInt64Array(b) },
  u1: { name: 'uint8', size: 1, make: (b) => new Uint8Array(b) },
  u2: { name: 'uint16', size: 2, make: (b) => new Uint16Array(b) },
  u4: { name: 'uint32', size: 4, make: (b) => new Uint32Array(b) },
  u8: { name: 'uint64', size: 8, make: (b) => new BigUint64Array(b) },
  b1: { name: 'bool', size: 1, make: (b) => new Uint8Array(b) },
};

function kindOf(d: PyDtype): Kind {
  const k = KINDS[d.descr === '?' ? 'b1' : d.descr];
  if (!k) throw new Error(`unsupported numpy dtype '${d.descr}'`);
  return k;
}

/** IEEE half -> single, exact (subnormals, infinities and NaN included). */
export function halfToFloat(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const x = h[i], s = x & 0x8000 ? -1 : 1, e = (x >> 10) & 0x1f, m = x & 0x3ff;
    out[i] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}

/** Raw bytes from a bytes object or a Python 2 str (latin1, as pickle.load(encoding='latin1')). */
export function rawBytes(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') {
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c > 255) throw new Error(`${what} is a str with non-latin1 characters`);
      out[i] = c;
    }
    return out;
  }
  throw new Error(`${what} is not bytes`);
}

/** Copies (the input may be unaligned), swaps to little-endian, and views as the dtype. */
function decode(raw: Uint8Array, dtype: PyDtype, count: number): NdData {
  const k = kindOf(dtype);
  if (raw.length !== count * k.size) {
    throw new Error(`numpy array data has ${raw.length} bytes, expected ${count} x ${k.size}`);
  }
  const copy = new Uint8Array(raw); // a copy with its own exactly-sized buffer
  if (dtype.byteOrder === '>' && k.size > 1) {
    for (let i = 0; i < copy.length; i += k.size) copy.subarray(i, i + k.size).reverse();
  }
  return k.make(copy.buffer);
}

/** Fortran-order data -> C order. */
function fortranToC(data: NdData, shape: number[]): NdData {
  if (shape.length < 2) return data;
  const out = new (data.constructor as new (n: number) => NdData)(data.length);
  const n = shape.length, idx = new Array<number>(n).fill(0);
  const fStride = shape.map((_, k) => shape.slice(0, k).reduce((a, b) => a * b, 1));
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let k = 0; k < n; k++) f += idx[k] * fStride[k];
    out[c] = data[f];
    for (let k = n - 1; k >= 0 && ++idx[k] === shape[k]; k--) idx[k] = 0;
  }
  return out;
}

function checkShape(v: unknown): number[] {
  if (!Array.isArray(v)) throw new Error('numpy array shape is not a tuple');
  if (v.length > 32) throw new Error(`numpy array has ${v.length} dimensions`);
  let count = 1;
  const shape = v.map((d) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw new Error(`bad numpy dimension ${String(d)}`);
    count *= d;
    return d;
  });
  if (!Number.isSafeInteger(count)) throw new Error('numpy array size overflows');
  return shape;
}

function fillArray(arr: PyNdArray, shapeV: unknown, dtype: unknown, fortran: boolean, rawV: unknown): PyNdArray {
  if (!(dtype instanceof PyDtype)) throw new Error('numpy array state has no dtype');
  if (Array.isArray(rawV)) throw new Error(`numpy object arrays are not supported (dtype '${dtype.descr}')`);
  const shape = checkShape(shapeV);
  const count = shape.reduce((a, b) => a * b, 1);
  let data = decode(rawBytes(rawV, 'numpy array data'), dtype, count);
  if (fortran) data = fortranToC(data, shape);
  arr.dtype = kindOf(dtype).name;
  arr.shape = shape;
  arr.data = data;
  arr.built = true;
  return arr;
}

function setArrayState(arr: PyNdArray, state: unknown): void {
  if (!Array.isArray(state) || (state.length !== 5 && state.length !== 4)) throw new Error('bad numpy array state');
  const [shape, dtype, fortran, raw] = state.length === 5 ? state.slice(1) : state;
  fillArray(arr, shape, dtype, fortran === true, raw);
}

function scalar(args: readonly unknown[]): number | bigint | boolean {
  const [dtype, raw] = args;
  if (!(dtype instanceof PyDtype)) throw new Error('numpy scalar without a dtype');
  const v = decode(rawBytes(raw, 'numpy scalar data'), dtype, 1)[0];
  if (dtype.descr === 'b1' || dtype.descr === '?') return v !== 0;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  return v;
}

const ndarrayClass: GlobalHandler = {};
const reconstruct: GlobalHandler = {
  call(args) {
    const [sub] = args;
    if (!(sub instanceof PyGlobal && sub.handler === ndarrayClass)) {
      throw new Error('numpy _reconstruct of something other than numpy.ndarray');
    }
    return new PyNdArray();
  },
  build(obj, state) {
    if (!(obj instanceof PyNdArray) || obj.built) throw new Error('numpy array state applied twice');
    setArrayState(obj, state);
  },
};
const dtype: GlobalHandler = {
  call(args) {
    if (typeof args[0] !== 'string') throw new Error('numpy.dtype needs a type string');
    const s = args[0];
    if (!/^[<>|=]/.test(s)) return new PyDtype(s);
    const d = new PyDtype(s.slice(1));
    d.byteOrder = s[0] === '=' ? '<' : s[0];
    return d;
  },
  build(obj, state) {
    if (!(obj instanceof PyDtype) || !Array.isArray(state) || state.length < 2) throw new Error('bad numpy dtype state');
    // (version, byteorder, subarray, names, fields, ...): structured dtypes are not supported.
    if (state[3] != null || state[2] != null) throw new Error(`structured numpy dtype '${obj.descr}' is not supported`);
    const bo = state[1];
    if (bo !== '<' && bo !== '>' && bo !== '|' && bo !== '=') throw new Error(`bad numpy byte order ${String(bo)}`);
    obj.byteOrder = bo === '=' ? '<' : bo;
  },
};
const scalarHandler: GlobalHandler = { call: scalar };
// numpy >= 1.26 with protocol 5: _frombuffer(bytearray, dtype, shape, order).
const frombuffer: GlobalHandler = {
  call(args) {
    const [buf, dt, shape, order] = args;
    if (order !== 'C' && order !== 'F') throw new Error('numpy _frombuffer order must be C or F');
    return fillArray(new PyNdArray(), shape, dt, order === 'F', buf);
  },
};

/**
 * dill's wrapper for numpy arrays (dill._dill._create_array(f, args, state, npdict)):
 * `f(*args)` then `__setstate__(state)`. Allowed only with f = numpy's `_reconstruct` (the
 * only function dill passes there for a plain ndarray) and no extra instance attributes.
 */
const dillCreateArray: GlobalHandler = {
  call(args, ctx) {
    const [f, fArgs, state, npdict] = args;
    if (args.length < 3 || args.length > 4) throw new Error(`dill _create_array takes 3-4 arguments, got ${args.length}`);
    if (!(f instanceof PyGlobal && f.handler === reconstruct)) throw new Error('dill _create_array with a function other than numpy _reconstruct');
    if (!Array.isArray(fArgs)) throw new Error('dill _create_array arguments are not a tuple');
    if (npdict != null && !(npdict instanceof Map && npdict.size === 0)) throw new Error('dill _create_array with array attributes (npdict) is not supported');
    const arr = reconstruct.call!(fArgs, ctx) as PyNdArray;
    setArrayState(arr, state);
    return arr;
  },
};

/** numpy handlers under both the numpy 1.x (`numpy.core`) and 2.x (`numpy._core`) names. */
export const NUMPY_HANDLERS: Readonly<Record<string, GlobalHandler>> = {
  'numpy.ndarray': ndarrayClass,
  'numpy.dtype': dtype,
  'numpy.core.multiarray._reconstruct': reconstruct,
  'numpy._core.multiarray._reconstruct': reconstruct,
  'numpy.core.multiarray.scalar': scalarHandler,
  'numpy._core.multiarray.scalar': scalarHandler,
  'numpy.core.numeric._frombuffer': frombuffer,
  'numpy._core.numeric._frombuffer': frombuffer,
};

/** What dill (StyleGAN-XL's pickles) adds on top of numpy's own reductions. */
export const DILL_HANDLERS: Readonly<Record<string, GlobalHandler>> = {
  'dill._dill._create_array': dillCreateArray,
};

const toSet: GlobalHandler = { call: (args) => new Set(Array.isArray(args[0]) ? args[0] : []) };
const orderedDict: GlobalHandler = {
  call(args) {
    const m = new Map<unknown, unknown>();
    for (const kv of Array.isArray(args[0]) ? args[0] : []) {
      if (!Array.isArray(kv) || kv.length !== 2) throw new Error('bad OrderedDict item');
      m.set(kv[0], kv[1]);
    }
    return m;
  },
};
const codecsEncode: GlobalHandler = {
  // Protocol 2 writes bytes as _codecs.encode(str, 'latin1'); nothing else is accepted.
  call(args) {
    if (typeof args[0] !== 'string' || (args[1] !== 'latin1' && args[1] !== 'latin-1')) {
      throw new Error('_codecs.encode is allowed only for latin1 bytes');
    }
    return rawBytes(args[0], '_codecs.encode argument');
  },
};
const bytearray: GlobalHandler = {
  call(args) {
    if (args.length === 0) return new Uint8Array(0);
    if (typeof args[0] === 'string' && args[1] !== undefined && args[1] !== 'latin-1' && args[1] !== 'latin1') {
      throw new Error('bytearray is allowed only from bytes or a latin1 str');
    }
    return new Uint8Array(rawBytes(args[0], 'bytearray argument'));
  },
};

const bytesCtor: GlobalHandler = {
  // Protocol 2 writes b'' as bytes(); a non-empty bytes goes through _codecs.encode.
  call(args) {
    if (args.length === 0) return new Uint8Array(0);
    if (args.length === 1 && args[0] instanceof Uint8Array) return new Uint8Array(args[0]);
    throw new Error('builtins.bytes is allowed only with no argument or bytes');
  },
};

/** Builtins these files use, under Python 3 names and the Python 2 names protocol 2 writes. */
export const BUILTIN_HANDLERS: Readonly<Record<string, GlobalHandler>> = {
  'collections.OrderedDict': orderedDict,
  'builtins.set': toSet, '__builtin__.set': toSet,
  'builtins.frozenset': toSet, '__builtin__.frozenset': toSet,
  'builtins.bytearray': bytearray, '__builtin__.bytearray': bytearray,
  'builtins.bytes': bytesCtor, '__builtin__.bytes': bytesCtor,
  '_codecs.encode': codecsEncode,
};
