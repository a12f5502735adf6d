/**
 * Reads a PyTorch state dict saved with torch.save (`.pth`/`.pt`): the zip format
 * (torch >= 1.6: archive/data.pkl + archive/data/<key>) and the legacy format (magic number,
 * protocol, sys info, the pickle, storage keys, raw storages), through the project's safe
 * unpickler and torch tensor handlers. Only float tensors are kept (e.g. BatchNorm's int64
 * num_batches_tracked is dropped). This is what lets --inception take pytorch-fid's
 * pt_inception-2015-12-05-6726825d.pth as downloaded.
 */
import { unzipChecked } from '../io/zip.js';
import { unpickleAt, PyGlobal, isMap, type GlobalHandler, type UnpickleOptions } from '../io/pickle.js';
import { TorchStorage, TorchTensor, tensorToFloat32, torchHandlers } from '../io/torch.js';
import type { WeightMap } from './weights.js';
import { shownName } from '../io/bytes.js';

const KINDS: Record<string, [string, number]> = {
  FloatStorage: ['float32', 4], DoubleStorage: ['float64', 8], HalfStorage: ['float16', 2], BFloat16Storage: ['bfloat16', 2],
  LongStorage: ['int64', 8], IntStorage: ['int32', 4], ShortStorage: ['int16', 2], CharStorage: ['int8', 1],
  ByteStorage: ['uint8', 1], BoolStorage: ['bool', 1],
};
const FLOAT = new Set(['float32', 'float64', 'float16', 'bfloat16']);
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function options(source: string, storages: Map<string, TorchStorage>, extra: Readonly<Record<string, GlobalHandler>>): UnpickleOptions {
  // state_dict() is an OrderedDict carrying a `_metadata` attribute (BUILD): accepted and dropped.
  const orderedDict: GlobalHandler = { call: () => new Map(), build() {} };
  return {
    handlers: { ...torchHandlers(source), 'collections.OrderedDict': orderedDict, ...extra },
    persistentLoad(pid: unknown) {
      if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw new Error(`${source}: unsupported torch persistent id`);
      const g = pid[1];
      if (!(g instanceof PyGlobal) || g.module !== 'torch' || !KINDS[g.name]) throw new Error(`${source}: unknown torch storage type`);
      const key = String(pid[2]);
      let s = storages.get(key);
      if (!s) storages.set(key, (s = new TorchStorage(KINDS[g.name][0], KINDS[g.name][1], Number(pid[4]))));
      return s;
    },
  };
}

function toWeights(root: unknown, source: string): WeightMap {
  // Some checkpoints wrap the weights: {'state_dict': {...}}.
  if (isMap(root) && root.size === 1 && isMap(root.get('state_dict'))) root = root.get('state_dict');
  if (!isMap(root)) throw new Error(`${source}: not a state dict (a dict of tensors)`);
  const out: WeightMap = new Map();
  for (const [k, v] of root) {
    if (typeof k !== 'string' || !(v instanceof TorchTensor) || !FLOAT.has(v.dtype)) continue;
    let data: Float32Array;
    try { data = tensorToFloat32(v); } catch (e) { throw new Error(`${source}: tensor ${shownName(k)}: ${(e as Error).message}`); }
    out.set(k, { shape: [...v.shape], data });
  }
  if (out.size === 0) throw new Error(`${source}: no float tensors found`);
  return out;
}

export function readTorchStateDict(bytes: Uint8Array, source: string): WeightMap {
  return toWeights(loadTorchSave(bytes, source), source);
}

/**
 * The object a torch.save file holds (dicts as Maps, tensors as TorchTensors), for files that
 * are more than one state dict (e.g. rosinality's checkpoints); `extra` allows more globals.
 */
export function loadTorchSave(bytes: Uint8Array, source: string, extra: Readonly<Record<string, GlobalHandler>> = {}): unknown {
  const storages = new Map<string, TorchStorage>();
  const opts = options(source, storages, extra);
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    const files = unzipChecked(bytes, `${source}: corrupt torch zip`);
    const pkl = Object.keys(files).find((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (!pkl) throw new Error(`${source}: torch zip without data.pkl`);
    const prefix = pkl.slice(0, -'data.pkl'.length);
    const main = unpickleAt(files[pkl], 0, source, opts);
    for (const [key, s] of storages) {
      const data = files[`${prefix}data/${key}`];
      if (!data || data.length !== s.numel * s.elementSize) throw new Error(`${source}: missing or short data for storage ${shownName(key)}`);
      s.bytes = data;
    }
    return main.value;
  }
  const none = { handlers: {} };
  const magic = unpickleAt(bytes, 0, source, none);
  if (typeof magic.value !== 'number' && typeof magic.value !== 'bigint') throw new Error(`${source}: not a torch.save file`);
  if (BigInt(magic.value) !== LEGACY_MAGIC) throw new Error(`${source}: not a torch.save file (bad magic number)`);
  const proto = unpickleAt(bytes, magic.end, source, none);
  if (proto.value !== 1001) throw new Error(`${source}: unsupported torch.save protocol ${shownName(String(proto.value))}`);
  const info = unpickleAt(bytes, proto.end, source, none);
  if (!isMap(info.value) || info.value.get('little_endian') !== true) throw new Error(`${source}: torch.save data is not little-endian`);
  const main = unpickleAt(bytes, info.end, source, opts);
  const keys = unpickleAt(bytes, main.end, source, none);
  if (!Array.isArray(keys.value)) throw new Error(`${source}: torch.save storage keys are not a list`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keys.end;
  for (const k of keys.value) {
    const s = storages.get(String(k));
    if (!s) throw new Error(`${source}: unknown storage ${shownName(String(k))}`);
    if (pos + 8 > bytes.length) throw new Error(`${source}: truncated storage data`);
    const n = Number(view.getBigInt64(pos, true));
    if (n !== s.numel || pos + 8 + n * s.elementSize > bytes.length) throw new Error(`${source}: truncated or inconsistent storage ${shownName(String(k))}`);
    s.bytes = bytes.subarray(pos + 8, pos + 8 + n * s.elementSize);
    pos += 8 + n * s.elementSize;
  }
  return main.value;
}
