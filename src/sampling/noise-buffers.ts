/**
 * The stored per-layer noise maps of any of our generators, found by name in the parameter
 * store (`*.noiseConst`: [1, R, R, 1] in `stylegan`, [R, R] in `stylegan2`), so noise studies
 * and projection work on every arch through noise mode 'const'. Browser-safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorLike } from '../networks/generator-api.js';
import type { ParamStore } from '../networks/params.js';

/** A generator whose parameters live in a ParamStore (all of ours). */
export type StoredGenerator = GeneratorLike & { readonly store: ParamStore };

export interface NoiseBuffer {
  name: string;
  /** Side of the square map. */
  res: number;
  variable: tf.Variable;
}

export function hasStore(G: GeneratorLike): G is StoredGenerator {
  return typeof (G as { store?: unknown }).store === 'object';
}

/** Noise maps in layer order (the store keeps construction order). */
export function noiseBuffers(G: StoredGenerator): NoiseBuffer[] {
  const out: NoiseBuffer[] = [];
  for (const [name, v] of G.store.buffers) {
    if (!name.endsWith('.noiseConst')) continue;
    const res = v.shape.length === 4 ? v.shape[1] : v.shape[0];
    out.push({ name, res, variable: v });
  }
  return out;
}

/**
 * Runs fn with only the kept noise maps in place (the others zeroed), then restores them.
 * fn must read what it needs before returning: the maps are restored right after.
 */
export function withNoiseMaps<T>(G: StoredGenerator, keep: (b: NoiseBuffer) => boolean, fn: () => T): T {
  const saved: Array<[tf.Variable, tf.Tensor]> = [];
  try {
    for (const b of noiseBuffers(G)) {
      if (keep(b)) continue;
      saved.push([b.variable, tf.clone(b.variable)]);
      tf.tidy(() => b.variable.assign(tf.zerosLike(b.variable)));
    }
    return fn();
  } finally {
    for (const [v, t] of saved) {
      v.assign(t);
      t.dispose();
    }
  }
}
