/**
 * Perceptual path length (StyleGAN paper sec. 4.2) as NVIDIA's
 * metrics/perceptual_path_length.py: pairs of latents at t and t + eps (t ~ U(0, 1) for
 * 'full', t = 0 for 'end'), slerp in Z or lerp in W, the same random noise for both images of
 * a pair (NVIDIA: one random map per layer for the whole batch; here one per pair, drawn by
 * rendering the t and t + eps images with the same noise seed), an optional face crop, box downsampling to 256, LPIPS / eps^2, then the mean of the
 * values between the 1st ('lower') and 99th ('higher') percentiles.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorLike } from '../networks/generator-api.js';
import type { Vgg16 } from './vgg16.js';
import { RandomState } from '../sampling/rng.js';

export interface PplOptions {
  num: number;
  epsilon?: number;
  space: 'z' | 'w';
  sampling: 'full' | 'end';
  crop: boolean;
  /** Pairs per batch (NVIDIA's 2). */
  batch?: number;
  rng?: RandomState;
  onProgress?: (done: number, total: number) => void;
}

/** Spherical interpolation of rows of a and b (NVIDIA's slerp). */
export function slerp(a: tf.Tensor2D, b: tf.Tensor2D, t: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const unit = (x: tf.Tensor2D) => tf.div(x, tf.norm(x, 'euclidean', -1, true)) as tf.Tensor2D;
    const an = unit(a), bn = unit(b);
    const d = tf.sum(tf.mul(an, bn), -1, true);
    const p = tf.mul(t, tf.acos(tf.clipByValue(d, -1, 1)));
    const c = unit(tf.sub(bn, tf.mul(d, an)) as tf.Tensor2D);
    return unit(tf.add(tf.mul(an, tf.cos(p)), tf.mul(c, tf.sin(p))) as tf.Tensor2D);
  });
}

/** np.percentile(x, q, interpolation='lower' | 'higher') of sorted values. */
export function percentile(sorted: Float64Array, q: number, mode: 'lower' | 'higher'): number {
  const pos = (q / 100) * (sorted.length - 1);
  return sorted[mode === 'lower' ? Math.floor(pos) : Math.ceil(pos)];
}

/** Mean of the distances within [1st 'lower', 99th 'higher'] percentiles. */
export function pplFromDistances(dist: ArrayLike<number>): number {
  const sorted = Float64Array.from(dist).sort();
  const lo = percentile(sorted, 1, 'lower'), hi = percentile(sorted, 99, 'higher');
  let sum = 0, n = 0;
  for (const d of sorted) if (d >= lo && d <= hi) { sum += d; n++; }
  return sum / n;
}

/** Crop (faces: rows 3/8..7/8, columns 2/8..6/8) and box-downsample to at most 256 px. */
export function pplImages(img: tf.Tensor4D, crop: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    let x = img;
    const r = x.shape[1];
    if (crop) {
      const c = Math.floor(r / 8);
      x = tf.slice(x, [0, c * 3, c * 2, 0], [-1, c * 4, c * 4, -1]);
    }
    const factor = Math.floor(r / 256);
    if (factor > 1) x = tf.avgPool(x, factor, factor, 'valid');
    return x;
  });
}

export async function perceptualPathLength(G: GeneratorLike, vgg: Vgg16, o: PplOptions): Promise<number> {
  const eps = o.epsilon ?? 1e-4;
  const batch = o.batch ?? 2;
  const rng = o.rng ?? new RandomState(0);
  const dists: number[] = [];
  while (dists.length < o.num) {
    const t = Float32Array.from({ length: batch }, () => (o.sampling === 'full' ? rng.randomSample() : 0));
    const z = Float32Array.from(rng.randn(2 * batch, G.cfg.zDim));
    const noiseSeed = rng.randomInterval(0x7fffffff);
    const d = tf.tidy(() => {
      const zz = tf.tensor2d(z, [2 * batch, G.cfg.zDim]);
      const z0 = tf.slice(zz, [0, 0], [batch, -1]) as tf.Tensor2D, z1 = tf.slice(zz, [batch, 0], [batch, -1]) as tf.Tensor2D;
      let ws0: tf.Tensor3D, ws1: tf.Tensor3D;
      if (o.space === 'w') {
        const ws = G.mappingForward(tf.concat([z0, z1]) as tf.Tensor2D);
        const a = tf.slice(ws, [0, 0, 0], [batch, -1, -1]), b = tf.slice(ws, [batch, 0, 0], [batch, -1, -1]);
        const tt = tf.tensor3d(t, [batch, 1, 1]);
        const lerp = (s: tf.Tensor) => tf.add(a, tf.mul(tf.sub(b, a), s)) as tf.Tensor3D;
        ws0 = lerp(tt);
        ws1 = lerp(tf.add(tt, eps));
      } else {
        const tt = tf.tensor2d(t, [batch, 1]);
        ws0 = G.mappingForward(slerp(z0, z1, tt));
        ws1 = G.mappingForward(slerp(z0, z1, tf.add(tt, eps) as tf.Tensor2D));
      }
      const render = (ws: tf.Tensor3D) => {
        let img = pplImages(G.synthesis.forward(ws, { noiseMode: 'random', noiseSeed }), o.crop);
        if (img.shape[3] === 1) img = tf.tile(img, [1, 1, 1, 3]);
        return img;
      };
      return tf.div(vgg.lpips(render(ws0), render(ws1)), eps * eps);
    });
    dists.push(...((await d.data()) as Float32Array));
    d.dispose();
    o.onProgress?.(Math.min(dists.length, o.num), o.num);
  }
  return pplFromDistances(dists.slice(0, o.num));
}
