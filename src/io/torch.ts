/**
 * Allow-list handlers for the torch objects inside NVIDIA's stylegan2-ada-pytorch network
 * pickles (reference: torch/_utils.py `_rebuild_tensor_v2` / `_rebuild_parameter`,
 * torch/storage.py `_load_from_bytes`, torch/serialization.py `_legacy_load` / `_load`,
 * torch_utils/persistence.py `_reconstruct_persistent_obj`).
 *
 * Tensors come as `_rebuild_tensor_v2(storage, offset, size, stride, ...)`; each storage is a
 * nested `torch.save` blob (`_load_from_bytes`), in the legacy format (magic number,
 * protocol, sys info pickles, the storage pickle, the storage keys, then raw data) or as a zip
 * archive. Persistent classes become plain {@link TorchModuleRecord}s: the embedded module
 * source is kept as text length only and never run.
 */
import { unzipChecked } from './zip.js';
import { type GlobalHandler, type PickleContext, PyGlobal, isMap, unpickleAt } from './pickle.js';
import { BUILTIN_HANDLERS, DILL_HANDLERS, NUMPY_HANDLERS, halfToFloat } from './pickle-numpy.js';
import { shownName } from './bytes.js';

type StorageKind = { dtype: string; size: number };
/** torch.<Name>Storage -> element type. */
const STORAGE_KINDS: Record<string, StorageKind> = {
  FloatStorage: { dtype: 'float32', size: 4 }, DoubleStorage: { dtype: 'float64', size: 8 },
  HalfStorage: { dtype: 'float16', size: 2 }, BFloat16Storage: { dtype: 'bfloat16', size: 2 },
  LongStorage: { dtype: 'int64', size: 8 }, IntStorage: { dtype: 'int32', size: 4 },
  ShortStorage: { dtype: 'int16', size: 2 }, CharStorage: { dtype: 'int8', size: 1 },
  ByteStorage: { dtype: 'uint8', size: 1 }, BoolStorage: { dtype: 'bool', size: 1 },
};

/** A typed storage; `bytes` is little-endian raw data (filled after the pickle in the legacy format). */
export class TorchStorage {
  bytes: Uint8Array | null = null;
  constructor(readonly dtype: string, readonly elementSize: number, readonly numel: number) {}
}

/** A strided view on a storage, materialised on demand by {@link tensorToFloat32}. */
export class TorchTensor {
  constructor(readonly storage: TorchStorage, readonly offset: number, readonly shape: number[], readonly stride: number[]) {}
  get dtype(): string { return this.storage.dtype; }
  get numel(): number { return this.shape.reduce((a, b) => a * b, 1); }
}

/** A `torch_utils.persistence` object: class name and its instance `__dict__`. */
export interface TorchModuleRecord {
  className: string;
  version: number;
  /** `_parameters`, `_buffers`, `_modules` (Maps), `_init_args`, `_init_kwargs`, other attributes. */
  state: Record<string, unknown>;
  moduleSrcLength: number;
}

export function isModuleRecord(v: unknown): v is TorchModuleRecord {
  return typeof v === 'object' && v !== null && (v as TorchModuleRecord).className !== undefined && 'state' in v;
}

function storageKind(g: unknown, what: string): StorageKind & { name: string } {
  if (!(g instanceof PyGlobal) || g.module !== 'torch' || !STORAGE_KINDS[g.name]) throw new Error(`${what} is not a torch storage type`);
  return { name: g.name, ...STORAGE_KINDS[g.name] };
}

const int = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`${what} is not a non-negative integer`);
  return v;
};
const ints = (v: unknown, what: string): number[] => {
  if (!Array.isArray(v)) throw new Error(`${what} is not a tuple`);
  return v.map((d, i) => int(d, `${what}[${i}]`));
};

/** `('storage', storage_type, key, location, numel[, view_metadata])` -> a storage object, keyed. */
function storageFromPid(pid: unknown, storages: Map<string, TorchStorage>): TorchStorage {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw new Error('unsupported torch persistent id');
  const kind = storageKind(pid[1], 'persistent storage type');
  const key = String(pid[2]);
  if (pid[5] !== undefined && pid[5] !== null) throw new Error('torch storage views are not supported');
  let s = storages.get(key);
  if (!s) storages.set(key, (s = new TorchStorage(kind.dtype, kind.size, int(pid[4], 'storage size'))));
  return s;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** Reads one nested `torch.save(storage)` blob (legacy or zip) into its storage. */
export function loadTorchSaveStorage(blob: Uint8Array, source: string): TorchStorage {
  const storages = new Map<string, TorchStorage>();
  const opts = { handlers: TORCH_STORAGE_HANDLERS, persistentLoad: (pid: unknown) => storageFromPid(pid, storages) };
  if (blob[0] === 0x50 && blob[1] === 0x4b) return loadZip(blob, source, opts, storages);
  const magic = unpickleAt(blob, 0, source, { handlers: {} });
  if (BigInt(magic.value as number | bigint) !== LEGACY_MAGIC) throw new Error('nested torch.save data has a bad magic number');
  const proto = unpickleAt(blob, magic.end, source, { handlers: {} });
  if (proto.value !== 1001) throw new Error(`unsupported torch.save protocol ${shownName(String(proto.value))}`);
  const info = unpickleAt(blob, proto.end, source, { handlers: {} });
  if (!isMap(info.value) || info.value.get('little_endian') !== true) throw new Error('torch.save data is not little-endian');
  const main = unpickleAt(blob, info.end, source, opts);
  const keys = unpickleAt(blob, main.end, source, { handlers: {} });
  if (!Array.isArray(keys.value)) throw new Error('torch.save storage keys are not a list');
  let pos = keys.end;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  for (const k of keys.value) {
    const s = storages.get(String(k));
    if (!s) throw new Error(`torch.save lists unknown storage ${shownName(String(k))}`);
    if (pos + 8 > blob.length) throw new Error('truncated torch.save storage data');
    const n = Number(view.getBigInt64(pos, true));
    const nbytes = n * s.elementSize;
    if (n !== s.numel || pos + 8 + nbytes > blob.length) throw new Error(`truncated or inconsistent torch.save storage ${shownName(String(k))}`);
    s.bytes = blob.subarray(pos + 8, pos + 8 + nbytes);
    pos += 8 + nbytes;
  }
  return asStorage(main.value);
}

function loadZip(blob: Uint8Array, source: string, opts: Parameters<typeof unpickleAt>[3], storages: Map<string, TorchStorage>): TorchStorage {
  const files = unzipChecked(blob, 'nested torch.save zip is corrupt');
  const pkl = Object.keys(files).find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) throw new Error('nested torch.save zip has no data.pkl');
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const main = unpickleAt(files[pkl], 0, source, opts);
  for (const [key, s] of storages) {
    const data = files[`${prefix}data/${key}`];
    if (!data || data.length !== s.numel * s.elementSize) throw new Error(`nested torch.save zip lacks data for storage ${shownName(key)}`);
    s.bytes = data;
  }
  return asStorage(main.value);
}

function asStorage(v: unknown): TorchStorage {
  if (!(v instanceof TorchStorage)) throw new Error('nested torch.save data is not a storage');
  return v;
}

/** The tensor's elements in C order as float32 (float16 / bfloat16 / float64 converted). */
export function tensorToFloat32(t: TorchTensor): Float32Array {
  const s = t.storage;
  if (!s.bytes) throw new Error('torch storage has no data');
  const copy = new Uint8Array(s.bytes); // aligned copy
  let flat: Float32Array;
  switch (s.dtype) {
    case 'float32': flat = new Float32Array(copy.buffer); break;
    case 'float64': flat = Float32Array.from(new Float64Array(copy.buffer)); break;
    case 'float16': flat = halfToFloat(new Uint16Array(copy.buffer)); break;
    case 'bfloat16': {
      const u = new Uint16Array(copy.buffer), w = new Uint32Array(u.length);
      for (let i = 0; i < u.length; i++) w[i] = u[i] << 16;
      flat = new Float32Array(w.buffer); break;
    }
    default: throw new Error(`torch tensor of dtype ${s.dtype} where floats were expected`);
  }
  const n = t.numel, nd = t.shape.length;
  let expect = 1, contiguous = true;
  for (let k = nd - 1; k >= 0; k--) {
    if (t.shape[k] !== 1 && t.stride[k] !== expect) contiguous = false;
    expect *= t.shape[k];
  }
  if (contiguous) return flat.slice(t.offset, t.offset + n);
  // Only broadcast (stride 0) views have more elements than their storage: refuse before allocating them.
  if (n > s.numel) throw new Error(`torch tensor of ${n} elements is a view on a storage of ${s.numel}`);
  const out = new Float32Array(n);
  const idx = new Array<number>(nd).fill(0);
  for (let i = 0; i < n; i++) {
    let p = t.offset;
    for (let k = 0; k < nd; k++) p += idx[k] * t.stride[k];
    out[i] = flat[p];
    for (let k = nd - 1; k >= 0 && ++idx[k] === t.shape[k]; k--) idx[k] = 0;
  }
  return out;
}

function rebuildTensor(args: readonly unknown[]): TorchTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof TorchStorage)) throw new Error('_rebuild_tensor_v2 without a storage');
  const shape = ints(size, 'tensor size'), strides = ints(stride, 'tensor stride');
  const off = int(offset, 'tensor offset');
  if (shape.length !== strides.length) throw new Error('tensor size and stride differ in length');
  const last = off + shape.reduce((a, d, i) => a + (d - 1) * strides[i], 0);
  if (shape.every((d) => d > 0) && last >= storage.numel) throw new Error('tensor reaches past its storage');
  return new TorchTensor(storage, off, shape, strides);
}

function toRecord(m: unknown, what: string): Record<string, unknown> {
  if (!isMap(m)) throw new Error(`${what} is not a dict`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of m) {
    if (typeof k !== 'string') throw new Error(`${what} has a non-string key`);
    out[k] = v;
  }
  return out;
}

const persistentObj: GlobalHandler = {
  call(args) {
    const meta = toRecord(args[0], 'persistent object meta');
    if (meta.type !== 'class') throw new Error(`persistent object of type ${shownName(String(meta.type))} is not supported`);
    if (typeof meta.class_name !== 'string') throw new Error('persistent object without class_name');
    const rec: TorchModuleRecord = {
      className: meta.class_name, version: Number(meta.version),
      state: toRecord(meta.state, `${meta.class_name} state`),
      moduleSrcLength: typeof meta.module_src === 'string' ? meta.module_src.length : 0,
    };
    return rec;
  },
};

const easyDict: GlobalHandler = {
  newobj: () => new Map(),
  call: (args) => (args.length && isMap(args[0]) ? new Map(args[0]) : new Map()),
  build(_obj, state) { if (state !== null && !(isMap(state) && state.size === 0)) throw new Error('unexpected EasyDict state'); },
};

/**
 * An ordinary torch module pickled by the default reduction (copyreg.__newobj__: NEWOBJ with
 * no arguments, then BUILD with its __dict__), as StyleGAN-XL stores its `nn.Embedding`. Only
 * the named classes are allowed; the result is a {@link TorchModuleRecord} like a persistent one.
 */
function plainModule(className: string): GlobalHandler {
  return {
    newobj(args) {
      if (args.length) throw new Error(`${className} with constructor arguments`);
      const rec: TorchModuleRecord = { className, version: 0, state: {}, moduleSrcLength: 0 };
      return rec;
    },
    build(obj, state) {
      const rec = obj as TorchModuleRecord;
      if (Object.keys(rec.state).length) throw new Error(`${className} state applied twice`);
      rec.state = toRecord(state, `${className} state`);
    },
  };
}

const storageClasses: Record<string, GlobalHandler> = Object.fromEntries(Object.keys(STORAGE_KINDS).map((k) => [`torch.${k}`, {}]));

/** Handlers for the nested storage pickles: only the storage type classes. */
const TORCH_STORAGE_HANDLERS: Readonly<Record<string, GlobalHandler>> = storageClasses;

function loadFromBytes(source: string): GlobalHandler {
  return {
    call(args, ctx: PickleContext) {
      if (!(args[0] instanceof Uint8Array)) throw new Error('torch.storage._load_from_bytes without bytes');
      return loadTorchSaveStorage(args[0], `${source} (storage at byte ${ctx.offset})`);
    },
  };
}

const rebuildParameter: GlobalHandler = {
  call(args) {
    if (!(args[0] instanceof TorchTensor)) throw new Error('_rebuild_parameter without a tensor');
    return args[0];
  },
};

/** torch >= 1.13 pickles some tensors as `_rebuild_from_type_v2(func, type, args, state)`. */
const rebuildFromType: GlobalHandler = {
  call(args, ctx) {
    const [fn, type, inner] = args;
    if (!(fn instanceof PyGlobal) || !fn.handler.call || !(type instanceof PyGlobal) || !Array.isArray(inner)) {
      throw new Error('bad _rebuild_from_type_v2 arguments');
    }
    return fn.handler.call(inner, ctx);
  },
};

/** The allow-list for stylegan2-ada-pytorch network pickles read from `source`. */
export function torchHandlers(source: string): Readonly<Record<string, GlobalHandler>> {
  return {
    ...NUMPY_HANDLERS,
    ...BUILTIN_HANDLERS,
    ...storageClasses,
    'torch._utils._rebuild_tensor_v2': { call: rebuildTensor },
    'torch._utils._rebuild_parameter': rebuildParameter,
    'torch._tensor._rebuild_from_type_v2': rebuildFromType,
    'torch.Tensor': {},
    'torch.nn.parameter.Parameter': {},
    'torch.storage._load_from_bytes': loadFromBytes(source),
    'torch_utils.persistence._reconstruct_persistent_obj': persistentObj,
    'dnnlib.util.EasyDict': easyDict,
    // StyleGAN-XL (written with dill): its class-embedding table and dill's numpy arrays.
    'torch.nn.modules.sparse.Embedding': plainModule('torch.nn.modules.sparse.Embedding'),
    ...DILL_HANDLERS,
  };
}
