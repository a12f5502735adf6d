/**
 * DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN
 * Training"): the same random translation and cutout applied to every image D sees, real and
 * fake, inside the graph so G gets gradients through it. Policy 'translation,cutout' as the
 * authors' DiffAugment_pytorch.py: shift by up to 1/8 of the side with zero fill, then zero a
 * square of half the side at a random centre. Draws come from the trainer's RandomState, so a
 * resumed run repeats them. (NVIDIA's ADA is the adaptive alternative; this one is fixed.)
 */
import * as tf from '@tensorflow/tfjs-core';

export interface DiffAugmentDraws {
  /** Per image: translation in pixels (y, x) and the cutout's top-left corner. */
  shifts: [number, number][];
  cutouts: [number, number][];
}

/** Integer in [lo, hi] from a uniform [0, 1) source. */
function randint(uniform: () => number, lo: number, hi: number): number {
  return lo + Math.min(hi - lo, Math.floor(uniform() * (hi - lo + 1)));
}

/** The random parameters for n images of side s (translation ratio 1/8, cutout ratio 1/2). */
export function drawDiffAugment(n: number, s: number, uniform: () => number): DiffAugmentDraws {
  const t = Math.floor(s * 0.125 + 0.5), c = Math.floor(s * 0.5 + 0.5);
  const shifts: [number, number][] = [], cutouts: [number, number][] = [];
  for (let i = 0; i < n; i++) shifts.push([randint(uniform, -t, t), randint(uniform, -t, t)]);
  // DiffAugment draws the cutout's centre in [0, s + (1 - c % 2)) and clamps the square to the image.
  for (let i = 0; i < n; i++) cutouts.push([randint(uniform, 0, s - 1 + (1 - (c % 2))) - Math.floor(c / 2), randint(uniform, 0, s - 1 + (1 - (c % 2))) - Math.floor(c / 2)]);
  return { shifts, cutouts };
}

/** Applies the draws to x [N, H, W, C] (differentiable in x). */
export function diffAugment(x: tf.Tensor4D, d: DiffAugmentDraws): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, ch] = x.shape;
    const t = Math.max(...d.shifts.flat().map(Math.abs), 0);
    const padded = t > 0 ? tf.pad(x, [[0, 0], [t, t], [t, t], [0, 0]]) : x;
    const parts: tf.Tensor4D[] = [];
    for (let i = 0; i < n; i++) {
      const [dy, dx] = d.shifts[i];
      // Output pixel (y, x) reads input (y - dy, x - dx), zero outside.
      parts.push(tf.slice(padded, [i, t - dy, t - dx, 0], [1, h, w, ch]));
    }
    const shifted = n === 1 ? parts[0] : tf.concat(parts, 0);
    const c = Math.floor(h * 0.5 + 0.5);
    const mask = new Float32Array(n * h * w).fill(1);
    for (let i = 0; i < n; i++) {
      const [y0, x0] = d.cutouts[i];
      for (let y = Math.max(0, y0); y < Math.min(h, y0 + c); y++) for (let xx = Math.max(0, x0); xx < Math.min(w, x0 + c); xx++) mask[(i * h + y) * w + xx] = 0;
    }
    return tf.mul(shifted, tf.tensor4d(mask, [n, h, w, 1]));
  });
}
