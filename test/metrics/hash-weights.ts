/**
 * Deterministic test weights made from a portable integer hash of (key, index), bit-identical
 * to hash_uniform()/tensor() in fixtures/make_inception_reference.py.
 */
import type { WeightSource, WeightTensor } from '../../src/metrics/weights.js';

function fnv1a(s: string): number {
  let h = 2166136261;
  for (const c of Buffer.from(s, 'utf8')) {
    h ^= c;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

function hashUniform(key: string, n: number): Float64Array {
  const seed = fnv1a(key);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = (Math.imul(i, 0x9e3779b1) + seed) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    out[i] = x / 2 ** 32;
  }
  return out;
}

export function hashTensor(key: string, shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const u = hashUniform(key, n);
  const v = new Float32Array(n);
  const isConv = key.endsWith('.weight') && shape.length === 4 && !key.startsWith('lin');
  for (let i = 0; i < n; i++) {
    if (key.endsWith('running_var')) v[i] = 1 + 0.5 * u[i];
    else if (key.endsWith('bn.weight')) v[i] = 1 + 0.1 * (2 * u[i] - 1);
    else if (isConv) v[i] = (2 * u[i] - 1) * Math.sqrt(6 / (shape[1] * shape[2] * shape[3]));
    else if (key.startsWith('lin')) v[i] = u[i];
    else if (key.endsWith('.weight')) v[i] = (2 * u[i] - 1) * Math.sqrt(3 / shape[1]);
    else v[i] = 0.1 * (2 * u[i] - 1);
  }
  return v;
}

/** Makes any tensor asked for; remembers what was made (e.g. to write a weights file). */
export class HashWeights implements WeightSource {
  readonly made = new Map<string, WeightTensor>();
  get(key: string, shape?: number[]): WeightTensor | undefined {
    if (!shape) return undefined;
    const t = { shape, data: hashTensor(key, shape) };
    this.made.set(key, t);
    return t;
  }
  has(): boolean {
    return true;
  }
}
