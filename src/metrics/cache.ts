/**
 * Cached statistics of real images per data set (Node): keyed by a hash of the file list
 * (names, sizes, modification times), the resolution, the feature network's weights hash
 * and the sample cap, as NVIDIA caches dataset stats. Default folder
 * ~/.cache/stylegan/metrics (STYLEGAN_CACHE_DIR overrides).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { decodeSafetensors, encodeSafetensors, type WritableTensor } from '../io/safetensors.js';
import { writeFileAtomic } from '../io/fs-atomic.js';
import { openImageSource } from '../data/dataset.js';

export function defaultCacheDir(): string {
  return process.env.STYLEGAN_CACHE_DIR || path.join(os.homedir(), '.cache', 'stylegan', 'metrics');
}

/** Identity of an image folder or zip: names, sizes and mtimes of its files. */
export async function datasetFingerprint(dataPath: string): Promise<string> {
  const src = await openImageSource(dataPath);
  const h = crypto.createHash('sha256').update(src.kind).update('\0');
  if (src.kind === 'folder') {
    for (const name of src.names) {
      const st = fs.statSync(path.join(src.path, name));
      h.update(`${name}\0${st.size}\0${st.mtimeMs}\n`);
    }
  } else {
    const st = fs.statSync(src.path);
    h.update(`${path.resolve(src.path)}\0${st.size}\0${st.mtimeMs}\0${src.names.join('\n')}`);
  }
  return h.digest('hex');
}

export function cacheKey(parts: Record<string, unknown>): string {
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);
}

export interface CachedArrays { num: number; tensors: Record<string, Float64Array | Float32Array> }

export function readCache(dir: string, name: string): CachedArrays | undefined {
  const file = path.join(dir, `${name}.safetensors`);
  if (!fs.existsSync(file)) return undefined;
  try {
    const f = decodeSafetensors(fs.readFileSync(file), file);
    const tensors: CachedArrays['tensors'] = {};
    for (const [k, t] of Object.entries(f.tensors)) tensors[k] = t.data as Float64Array | Float32Array;
    return { num: Number(f.metadata.num), tensors };
  } catch {
    return undefined; // a damaged cache entry is recomputed
  }
}

export async function writeCache(dir: string, name: string, value: CachedArrays, meta: Record<string, unknown>): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const tensors: Record<string, WritableTensor> = {};
  for (const [k, v] of Object.entries(value.tensors)) {
    tensors[k] = v instanceof Float64Array ? { dtype: 'F64', shape: [v.length], data: v } : { dtype: 'F32', shape: [v.length], data: v };
  }
  await writeFileAtomic(path.join(dir, `${name}.safetensors`), encodeSafetensors(tensors, { num: String(value.num), key: JSON.stringify(meta) }));
}
