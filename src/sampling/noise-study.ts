/**
 * Effect of the per-pixel noise inputs (paper sec. 3.2, figs. 4 and 5): one w under many
 * noise draws, the per-pixel standard deviation over them, and the image with noise in all,
 * none, only fine or only coarse layers. Browser-safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorLike } from '../networks/generator-api.js';
import { seedsToZ } from './generate.js';
import { hasStore, withNoiseMaps, type NoiseBuffer } from './noise-buffers.js';

export type NoiseLayers = 'all' | 'none' | 'fine' | 'coarse';

export interface NoiseStudyOptions {
  /** Noise draws for the std image (paper: 100). */
  samples?: number;
  /** How many of the draws to return as images (the rest only feed the statistics). */
  keep?: number;
  truncationPsi?: number;
  /** Seed of the random noise draws, for reproducible studies. */
  noiseSeed?: number;
  batch?: number;
}

export interface NoiseStudy {
  resolution: number;
  /** The first `keep` draws, [R, R, C] floats. */
  samples: Float32Array[];
  /** Per-pixel std over all draws, averaged over channels, [R, R]. */
  std: Float32Array;
  /**
   * std scaled so its maximum is white, as packed RGB [R, R, 3]; all black when the maximum is
   * below STD_DISPLAY_FLOOR (float32 rounding, not noise: see there).
   */
  stdDisplay: Uint8Array;
  /** The const-noise image with noise only in the named layers. */
  variants: Record<NoiseLayers, Float32Array>;
}

/**
 * Layers counted as 'fine' for the noise split: the paper's 64 px and up, or for networks
 * below 64 px their top resolution, so that small networks still show a fine/coarse contrast.
 */
export function fineNoiseResolution(imgResolution: number): number {
  return Math.min(64, imgResolution);
}

/** Whether a noise map takes part in a variant. */
export function noiseSelected(which: NoiseLayers, res: number, imgResolution: number): boolean {
  const split = fineNoiseResolution(imgResolution);
  return which === 'all' || (which === 'fine' && res >= split) || (which === 'coarse' && res < split);
}

/**
 * Smallest std that the display stretches to white: an eighth of one 8-bit level of [-1, 1].
 * Draws of a network whose noise strengths are all zero still differ by float32 rounding
 * (~1e-6): the CPU kernels may round an image differently at another position in the batch
 * (OpenBLAS's AVX-512 sgemm does), and stretching that to white would show rounding as noise.
 */
export const STD_DISPLAY_FLOOR = 2 / 255 / 8;

export async function noiseStudy(G: GeneratorLike, seed: number, opts: NoiseStudyOptions = {}): Promise<NoiseStudy> {
  if (!hasStore(G)) throw new Error('noise study: this generator does not expose its noise maps');
  const samples = opts.samples ?? 100;
  const keep = Math.min(opts.keep ?? 8, samples);
  const batch = opts.batch ?? 8;
  const noiseSeed = opts.noiseSeed ?? 0;
  if (!Number.isInteger(samples) || samples < 2) throw new Error(`noise study needs at least 2 samples, got ${samples}`);
  const r = G.cfg.imgResolution, c = G.cfg.imgChannels, size = r * r * c;
  const w = tf.tidy(() => G.mappingForward(seedsToZ([seed], G.cfg.zDim), { truncationPsi: opts.truncationPsi ?? 1 }));
  // Shifted float64 sums (shift = first draw): no cancellation, and identical draws give exactly 0
  // (draws differ at least by float32 rounding, since the kernels may round another batch row differently).
  const sum = new Float64Array(size), sumSq = new Float64Array(size);
  let shift: Float32Array | null = null;
  const kept: Float32Array[] = [];
  for (let i = 0, bi = 0; i < samples; i += batch, bi++) {
    const k = Math.min(batch, samples - i);
    const img = tf.tidy(() => G.synthesis.forward(tf.tile(w, [k, 1, 1]) as tf.Tensor3D, { noiseMode: 'random', noiseSeed: noiseSeed + bi * 100003 }));
    const data = (await img.data()) as Float32Array;
    img.dispose();
    for (let j = 0; j < k; j++) {
      const off = j * size;
      shift ??= data.slice(off, off + size);
      for (let p = 0; p < size; p++) {
        const v = data[off + p] - shift[p];
        sum[p] += v;
        sumSq[p] += v * v;
      }
      if (kept.length < keep) kept.push(data.slice(off, off + size));
    }
  }
  const std = new Float32Array(r * r);
  let max = 0;
  for (let p = 0; p < r * r; p++) {
    let s = 0;
    for (let ch = 0; ch < c; ch++) {
      const q = p * c + ch;
      const mean = sum[q] / samples;
      s += Math.sqrt(Math.max(0, sumSq[q] / samples - mean * mean));
    }
    std[p] = s / c;
    max = Math.max(max, std[p]);
  }
  const stdDisplay = new Uint8Array(r * r * 3);
  for (let p = 0; p < r * r; p++) {
    const v = max >= STD_DISPLAY_FLOOR ? Math.round((std[p] / max) * 255) : 0;
    stdDisplay[3 * p] = stdDisplay[3 * p + 1] = stdDisplay[3 * p + 2] = v;
  }
  const variants = {} as Record<NoiseLayers, Float32Array>;
  for (const which of ['all', 'none', 'fine', 'coarse'] as const) {
    // The stored maps with the unselected layers zeroed: the 'const' image restricted to some layers.
    const keep = (b: NoiseBuffer) => noiseSelected(which, b.res, r);
    const img = withNoiseMaps(G, keep, () => tf.tidy(() => G.synthesis.forward(w, { noiseMode: 'const' })));
    variants[which] = (await img.data()) as Float32Array;
    img.dispose();
  }
  w.dispose();
  return { resolution: r, samples: kept, std, stdDisplay, variants };
}
