/**
 * Truncation-trick sweeps (paper appendix B, fig. 8): rows are seeds, columns psi values;
 * psi 0 is the average-w image for every seed, psi 1 the plain image. Browser-safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorLike } from '../networks/generator-api.js';
import { seedsToZ } from './generate.js';
import { synthesizeAll } from './style-mixing.js';
import { sameClassRows } from './labels.js';

export interface TruncationGridOptions {
  /** Truncate only styles [0, cutoff) (undefined = all). */
  truncationCutoff?: number;
  noiseMode?: 'const' | 'random' | 'none';
  batch?: number;
  /** Class of every image, for a conditional network (truncation goes towards its w_avg on StyleGAN-XL). */
  classIdx?: number;
}

/** Returns rows = seeds, cols = psis as row-major [R, R, C] float images. */
export async function truncationGrid(G: GeneratorLike, seeds: number[], psis: number[], opts: TruncationGridOptions = {}): Promise<Float32Array[][]> {
  if (seeds.length === 0 || psis.length === 0) throw new Error('truncation grid needs at least one seed and one psi');
  const ws = tf.tidy(() => {
    const z = seedsToZ(seeds, G.cfg.zDim);
    // The mapping truncates (with each arch's own w_avg); rows of the result are seed-major,
    // psi-minor, so each image row of the grid is one seed.
    const c = sameClassRows(G, seeds.length, opts.classIdx);
    const per = psis.map((psi) => G.mappingForward(z, { truncationPsi: psi, truncationCutoff: opts.truncationCutoff, c }));
    const stacked = tf.stack(per, 1); // [seeds, psis, numWs, wDim]
    return tf.reshape(stacked, [seeds.length * psis.length, G.numWs, G.cfg.wDim]) as tf.Tensor3D;
  });
  const flat = await synthesizeAll(G, ws, opts.noiseMode ?? 'const', opts.batch);
  ws.dispose();
  return seeds.map((_, r) => flat.slice(r * psis.length, (r + 1) * psis.length));
}
