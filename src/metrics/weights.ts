/**
 * Weights of the feature networks (Inception-v3, VGG16/LPIPS), read from a file the user
 * supplies: a PyTorch state dict as saved by torch.save (`.pth`/`.pt`, zip or legacy format),
 * or converted to `.safetensors` or NumPy `.npz` under the same key names (F32/F64/F16/BF16). Nothing is downloaded; a missing file is a one-line error that
 * names the file wanted.
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import { decodeSafetensors, tensorToFloat32 } from '../io/safetensors.js';
import { parseNpz } from '../io/npy.js';
import { readTorchStateDict } from './torch-state-dict.js';

export interface WeightTensor { shape: number[]; data: Float32Array }
export type WeightMap = Map<string, WeightTensor>;
/** Where networks take their tensors from: a WeightMap, or a generator that makes them by key and shape (tests). */
export interface WeightSource {
  get(key: string, shape?: number[]): WeightTensor | undefined;
  has(key: string): boolean;
}

/** Thrown when a metric needs a weights file that was not given or cannot be used. */
export class MissingWeightsError extends Error {}

export function readWeightFile(file: string): WeightMap {
  if (!fs.existsSync(file)) throw new MissingWeightsError(`weights file not found: ${file}`);
  const bytes = fs.readFileSync(file);
  const out: WeightMap = new Map();
  if (/\.safetensors$/i.test(file)) {
    for (const [k, t] of Object.entries(decodeSafetensors(bytes, file).tensors)) out.set(k, { shape: t.shape, data: tensorToFloat32(t) });
  } else if (/\.npz$/i.test(file)) {
    for (const [k, a] of Object.entries(parseNpz(bytes, file))) {
      if (a.data instanceof BigInt64Array) continue; // e.g. num_batches_tracked
      out.set(k.replace(/\.npy$/, ''), { shape: [...a.shape], data: Float32Array.from(a.data as ArrayLike<number>) });
    }
  } else if (/\.(pth|pt)$/i.test(file)) {
    return readTorchStateDict(bytes, file);
  } else {
    throw new MissingWeightsError(`${file}: weights must be a .pth/.pt, .safetensors or .npz state dict`);
  }
  return out;
}

/** Short content hash, used to key cached dataset statistics to the exact weights. */
export function fileHash(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16);
}

/** The tensor `key` with the expected shape, or a one-line error naming the file. */
export function take(w: WeightSource, key: string, shape: number[], source: string): Float32Array {
  const t = w.get(key, shape);
  if (!t) throw new MissingWeightsError(`${source}: missing tensor '${key}' (is this the right weights file?)`);
  if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
    throw new MissingWeightsError(`${source}: '${key}' has shape [${t.shape}], expected [${shape}]`);
  }
  return t.data;
}

/** PyTorch conv weight [out, in, kh, kw] -> tfjs filter [kh, kw, in, out]. */
export function torchConvToHwio(w: Float32Array, out: number, inC: number, kh: number, kw: number): Float32Array {
  const r = new Float32Array(w.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inC; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    r[((y * kw + x) * inC + i) * out + o] = w[((o * inC + i) * kh + y) * kw + x];
  }
  return r;
}
