/**
 * NVIDIA's AugmentPipe on NHWC images in [-1, 1]: geometric (one matrix, one resampling),
 * colour (one matrix), image-space filter, additive noise, cutout. Differentiable in the
 * images (G's gradient flows through it, and R1's gradient of a gradient), given parameters
 * drawn by params.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyGeometric, applyGeometricComposite, geometricPlan, isIdentity, reflectIndex } from './geometric.js';
import { HZ_FBANK, NUM_BANDS } from './filter-bank.js';
import { drawAugmentParams, type AugmentParams } from './params.js';
import type { AugmentSpec } from './specs.js';
import type { Draws } from './draws.js';

/** Per image, the [size, size] matrix of reflect-pad-by-`pad` then 'valid' correlation with taps. */
function filterMatrices(taps: Float64Array, n: number, size: number): Float32Array {
  const t = taps.length / n, pad = t >> 1, m = new Float32Array(n * size * size);
  for (let b = 0; b < n; b++) for (let o = 0; o < size; o++) for (let k = 0; k < t; k++) {
    m[b * size * size + o * size + reflectIndex(o + k - pad, size)] += taps[b * t + k];
  }
  return m;
}

function applyFilter(x: tf.Tensor4D, gains: Float64Array): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const t = HZ_FBANK[0].length;
  if ((t >> 1) >= Math.min(h, w)) throw new Error(`augment: image-space filtering needs images larger than ${t >> 1} px, got ${h}x${w}`);
  // Hz_prime = g @ Hz_fbank, one row of taps per image.
  const taps = new Float64Array(n * t);
  for (let b = 0; b < n; b++) for (let i = 0; i < NUM_BANDS; i++) for (let k = 0; k < t; k++) taps[b * t + k] += gains[b * NUM_BANDS + i] * HZ_FBANK[i][k];
  return tf.tidy(() => {
    // Along W: [N, W, H * C]; then along H: [N, H, W * C].
    const xw = tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [n, w, h * c]);
    const yw = tf.matMul(tf.tensor3d(filterMatrices(taps, n, w), [n, w, w]), xw);
    const xh = tf.reshape(tf.transpose(tf.reshape(yw, [n, w, h, c]), [0, 2, 1, 3]), [n, h, w * c]);
    return tf.reshape(tf.matMul(tf.tensor3d(filterMatrices(taps, n, h), [n, h, h]), xh), [n, h, w, c]);
  });
}

function applyColor(x: tf.Tensor4D, C: Float64Array): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    if (c === 3) {
      // out = img @ C[:3, :3]^T + C[:3, 3].
      const mt = new Float32Array(n * 9), off = new Float32Array(n * 3);
      for (let b = 0; b < n; b++) for (let r = 0; r < 3; r++) {
        for (let k = 0; k < 3; k++) mt[b * 9 + k * 3 + r] = C[b * 16 + r * 4 + k];
        off[b * 3 + r] = C[b * 16 + r * 4 + 3];
      }
      const y = tf.matMul(tf.reshape(x, [n, h * w, 3]), tf.tensor3d(mt, [n, 3, 3]));
      return tf.reshape(tf.add(y, tf.tensor3d(off, [n, 1, 3])), [n, h, w, 3]);
    }
    if (c !== 1) throw new Error(`augment: images must be RGB (3 channels) or L (1 channel), got ${c}`);
    // NVIDIA's grey path: the mean row of C[:3]; img * sum(row[:3]) + row[3].
    const gain = new Float32Array(n), off = new Float32Array(n);
    for (let b = 0; b < n; b++) for (let r = 0; r < 3; r++) {
      for (let k = 0; k < 3; k++) gain[b] += C[b * 16 + r * 4 + k] / 3;
      off[b] += C[b * 16 + r * 4 + 3] / 3;
    }
    return tf.add(tf.mul(x, tf.tensor4d(gain, [n, 1, 1, 1])), tf.tensor4d(off, [n, 1, 1, 1]));
  });
}

function applyNoise(x: tf.Tensor4D, noise: NonNullable<AugmentParams['noise']>): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  // field [N, C, H, W] (NVIDIA's draw order) to NHWC, times sigma.
  const add = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) {
    add[(b * h * w + i) * c + ch] = noise.field[(b * c + ch) * h * w + i] * noise.sigma[b];
  }
  return tf.tidy(() => tf.add(x, tf.tensor4d(add, [n, h, w, c])));
}

function applyCutout(x: tf.Tensor4D, cut: NonNullable<AugmentParams['cutout']>): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const mask = new Float32Array(n * h * w);
  for (let b = 0; b < n; b++) {
    const half = cut.size[b] / 2, cx = cut.center[b * 2], cy = cut.center[b * 2 + 1];
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) {
      const mx = Math.abs(Math.fround(Math.fround((j + 0.5) / w) - cx)) >= half, my = Math.abs(Math.fround(Math.fround((i + 0.5) / h) - cy)) >= half;
      mask[(b * h + i) * w + j] = mx || my ? 1 : 0;
    }
  }
  return tf.tidy(() => tf.mul(x, tf.tensor4d(mask, [n, h, w, 1])));
}

function isIdentityColor(C: Float64Array): boolean {
  for (let i = 0; i < C.length; i++) if (C[i] !== (i % 16 % 5 === 0 ? 1 : 0)) return false;
  return true;
}

export interface ApplyOptions {
  /** Skip stages whose draws changed no image (training's default; the NVIDIA comparisons run every stage). */
  skipIdentity?: boolean;
  /** The geometric stage from stock ops even where the backend has the fused kernel (tests). */
  composite?: boolean;
}

/**
 * The geometric stage. With skipIdentity, images whose G_inv is the identity are passed over
 * (at p = 0.1 about half of them) by the native kernel, the others resampled with the whole
 * batch's padding as in NVIDIA's batch; with none left to resample the stage is skipped.
 */
function geometricStage(x: tf.Tensor4D, gInv: Float64Array, opts: ApplyOptions): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const plan = geometricPlan(gInv, n, h, w);
  if (opts.composite) return applyGeometricComposite(x, plan);
  if (!opts.skipIdentity) return applyGeometric(x, plan);
  const pass = Uint8Array.from({ length: n }, (_, b) => (isIdentity(gInv.subarray(b * 9, b * 9 + 9)) ? 1 : 0));
  if (pass.every((v) => v)) return x;
  return applyGeometric(x, { ...plan, pass });
}

/** Applies drawn parameters to images [N, H, W, C]. */
export function applyAugment(images: tf.Tensor4D, params: AugmentParams, opts: ApplyOptions = {}): tf.Tensor4D {
  return tf.tidy(() => {
    let x = images;
    // Stages whose draws left every image alone are skipped: exactly so for colour, noise and
    // cutout (identity matrix, zero sigma, no cut); NVIDIA's geometric stage at the identity
    // changes the images by float rounding only (~1e-7), so at p = 0 the pipe costs nothing,
    // and at small p the native kernel resamples only the images with a transform.
    if (params.gInv) x = geometricStage(x, params.gInv, opts);
    if (params.color && !(opts.skipIdentity && isIdentityColor(params.color))) x = applyColor(x, params.color);
    if (params.filterGains) x = applyFilter(x, params.filterGains);
    if (params.noise && !(opts.skipIdentity && params.noise.sigma.every((s) => s === 0))) x = applyNoise(x, params.noise);
    if (params.cutout && !(opts.skipIdentity && params.cutout.size.every((s) => s === 0))) x = applyCutout(x, params.cutout);
    return x;
  });
}

/** Draws parameters and applies them: one call of NVIDIA's AugmentPipe.forward at strength p. */
export function augment(images: tf.Tensor4D, spec: AugmentSpec, p: number, draws: Draws, opts: ApplyOptions = { skipIdentity: true }): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  return applyAugment(images, drawAugmentParams(spec, p, [n, c, h, w], draws), opts);
}
