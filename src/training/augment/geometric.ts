/**
 * The geometric stage of augment.py: pad the images by reflection as far as the transformed
 * corners reach, upsample 2x with the sym6 wavelet low-pass, sample bilinearly through G_inv,
 * then low-pass and downsample 2x back. Padding and resampling act on each axis separately and
 * are the same for the whole batch, so each is one small matrix; only the sampling differs per
 * image. Backends with the fused kernel (native) run the whole stage as one kernel (and its
 * transpose as its gradient); elsewhere the matrices are applied by matMul and the sampling by
 * sample.ts (the same values up to float rounding; exact gradients of any order either way).
 */
import * as tf from '@tensorflow/tfjs-core';
import { HZ_GEOM } from './filter-bank.js';
import { affineSamplePlan, bilinearSample, bilinearSampleComposite, type SamplePlan } from './sample.js';
import { asyncReadsOnly } from '../../backend/gpu-reads.js';
import { FUSED, hasFusedKernel, type AugmentGeomAttrs } from '../../ops/fused.js';

const f = Math.fround;
const HZ_PAD = HZ_GEOM.length >> 2; // 3

/** Reflect-padding index (torch 'reflect': the edge pixel is not repeated). */
export function reflectIndex(i: number, size: number): number {
  if (size === 1) return 0;
  const period = 2 * (size - 1);
  let k = ((i % period) + period) % period;
  if (k >= size) k = period - k;
  return k;
}

/** [x0, y0, x1, y1] padding for the batch: where the transformed corners land, plus the filter's reach (float32 as NVIDIA's). */
export function geometricMargin(gInv: Float64Array, n: number, h: number, w: number): [number, number, number, number] {
  const cx = f((w - 1) / 2), cy = f((h - 1) / 2);
  const corners = [[-cx, -cy], [cx, -cy], [cx, cy], [-cx, cy]];
  const m = [-Infinity, -Infinity, -Infinity, -Infinity];
  for (let b = 0; b < n; b++) {
    const g = gInv.subarray(b * 9, b * 9 + 9);
    for (const [x, y] of corners) {
      const px = f(f(f(g[0] * x) + f(g[1] * y)) + g[2]), py = f(f(f(g[3] * x) + f(g[4] * y)) + g[5]);
      m[0] = Math.max(m[0], -px); m[1] = Math.max(m[1], -py); m[2] = Math.max(m[2], px); m[3] = Math.max(m[3], py);
    }
  }
  const add = [f(HZ_PAD * 2 - cx), f(HZ_PAD * 2 - cy)];
  return m.map((v, i) => Math.ceil(Math.min(Math.max(f(v + add[i % 2]), 0), i % 2 ? h - 1 : w - 1))) as [number, number, number, number];
}

/**
 * Reflect-pad by [p0, p1], then NVIDIA's upsample2d (up 2, padding [6, 5], gain 2 per axis,
 * true convolution with the sym6 taps): [2 * (size + p0 + p1), size].
 */
function padUpMatrix(size: number, p0: number, p1: number): { m: Float32Array; rows: number } {
  const padded = size + p0 + p1, rows = 2 * padded, fw = HZ_GEOM.length, q0 = (fw + 1) >> 1;
  const m = new Float64Array(rows * size);
  for (let o = 0; o < rows; o++) for (let t = 0; t < fw; t++) {
    const u = o + t - q0; // position in the zero-upsampled signal
    if (u < 0 || u % 2 || u / 2 >= padded) continue;
    m[o * size + reflectIndex(u / 2 - p0, size)] += 2 * HZ_GEOM[fw - 1 - t];
  }
  return { m: Float32Array.from(m), rows };
}

/** NVIDIA's downsample2d(down 2, padding -2 * Hz_pad, flip_filter): [size, 2 * (size + 2 * Hz_pad)]. */
function downMatrix(size: number): { m: Float32Array; cols: number } {
  const cols = 2 * (size + 2 * HZ_PAD), fw = HZ_GEOM.length, q0 = -2 * HZ_PAD + ((fw - 1) >> 1);
  const m = new Float32Array(size * cols);
  for (let o = 0; o < size; o++) for (let t = 0; t < fw; t++) {
    const i = 2 * o + t - q0;
    if (i >= 0 && i < cols) m[o * cols + i] = HZ_GEOM[t];
  }
  return { m, cols };
}

/** x [B, H, W] -> [B, H, rows] with M [rows, W] on the last axis. */
function alongW(x: tf.Tensor3D, m: Float32Array, rows: number): tf.Tensor3D {
  const [b, h, w] = x.shape;
  return tf.reshape(tf.matMul(tf.reshape(x, [b * h, w]), tf.tensor2d(m, [rows, w]), false, true), [b, h, rows]);
}

/** x [B, H, W] -> [B, rows, W] with M [rows, H] on the middle axis. */
function alongH(x: tf.Tensor3D, m: Float32Array, rows: number): tf.Tensor3D {
  const [b, h, w] = x.shape;
  const t = tf.reshape(tf.transpose(x, [0, 2, 1]), [b * w, h]);
  return tf.transpose(tf.reshape(tf.matMul(t, tf.tensor2d(m, [rows, h]), false, true), [b, w, rows]), [0, 2, 1]);
}

function mat3(a: number[], b: number[]): number[] {
  const out = new Array(9).fill(0);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) out[r * 3 + c] += a[r * 3 + k] * b[k * 3 + c];
  return out;
}

export interface GeometricPlan {
  margin: [number, number, number, number];
  up: { x: { m: Float32Array; rows: number }; y: { m: Float32Array; rows: number } };
  down: { x: { m: Float32Array; cols: number }; y: { m: Float32Array; cols: number } };
  /** Per image, the sampling's affine_grid theta [N, 2, 3] (normalised coordinates of the upsampled image). */
  theta: Float64Array;
  /** The padded, upsampled image [inH, inW] and the sampled one [outH, outW]. */
  inH: number; inW: number; outH: number; outW: number;
  /** Images to leave unchanged (1): see AugmentGeomAttrs.pass. */
  pass?: Uint8Array;
}

/** Everything the stage needs from G_inv, built in JS before any tensor op. */
export function geometricPlan(gInv: Float64Array, n: number, h: number, w: number): GeometricPlan {
  const margin = geometricMargin(gInv, n, h, w);
  const [mx0, my0, mx1, my1] = margin;
  const up = { x: padUpMatrix(w, mx0, mx1), y: padUpMatrix(h, my0, my1) };
  const inW = up.x.rows, inH = up.y.rows;
  const outW = (w + HZ_PAD * 2) * 2, outH = (h + HZ_PAD * 2) * 2;
  // G_inv for the padded, upsampled image in normalised coordinates (align_corners=False), as NVIDIA composes it.
  const theta = new Float64Array(n * 6);
  const T = (tx: number, ty: number) => [1, 0, tx, 0, 1, ty, 0, 0, 1];
  const S = (sx: number, sy: number) => [sx, 0, 0, 0, sy, 0, 0, 0, 1];
  for (let b = 0; b < n; b++) {
    let g = Array.from(gInv.subarray(b * 9, b * 9 + 9));
    g = mat3(T((mx0 - mx1) / 2, (my0 - my1) / 2), g);
    g = mat3(mat3(S(2, 2), g), S(0.5, 0.5));
    g = mat3(mat3(T(-0.5, -0.5), g), T(0.5, 0.5));
    g = mat3(mat3(S(2 / inW, 2 / inH), g), S(outW / 2, outH / 2));
    theta.set(g.slice(0, 6), b * 6);
  }
  return { margin, up, down: { x: downMatrix(w), y: downMatrix(h) }, theta, inH, inW, outH, outW };
}

/** Whether every image's G_inv is the identity (then NVIDIA's stage changes the images only by float rounding). */
export function isIdentity(gInv: Float64Array): boolean {
  for (let i = 0; i < gInv.length; i++) if (gInv[i] !== (i % 9 % 4 === 0 ? 1 : 0)) return false;
  return true;
}

/** The geometric stage on images [N, H, W, C]: one fused kernel where the backend has it. */
export function applyGeometric(x: tf.Tensor4D, plan: GeometricPlan): tf.Tensor4D {
  if (!hasFusedKernel(FUSED.augmentGeom) || x.dtype !== 'float32') return applyGeometricComposite(x, plan);
  const attrs: AugmentGeomAttrs = {
    theta: plan.theta, upX: plan.up.x.m, upY: plan.up.y.m, downX: plan.down.x.m, downY: plan.down.y.m,
    dims: [plan.inH, plan.inW, plan.outH, plan.outW], ...(plan.pass ? { pass: plan.pass } : {}),
  };
  return tf.engine().runKernel(FUSED.augmentGeom, { x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** The same stage from stock ops: matMul for padding and resampling, sample.ts for the sampling. */
export function applyGeometricComposite(x: tf.Tensor4D, plan: GeometricPlan): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    let y = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n * c, h, w]) as tf.Tensor3D;
    // H first and W last on the way up, W first on the way down: the transposes in alongH then
    // move the small images, not the 2x upsampled padded ones.
    y = alongW(alongH(y, plan.up.y.m, plan.up.y.rows), plan.up.x.m, plan.up.x.rows);
    const sample: SamplePlan = affineSamplePlan(plan.theta, n, plan.inH, plan.inW, plan.outH, plan.outW);
    // The JS sampling reads x synchronously; webgpu in Node cannot, so it gathers on the GPU (same values).
    const s = (asyncReadsOnly() ? bilinearSampleComposite : bilinearSample)(tf.reshape(y, [n, c, plan.inH, plan.inW]), sample);
    y = tf.reshape(s, [n * c, plan.outH, plan.outW]);
    y = alongH(alongW(y, plan.down.x.m, w), plan.down.y.m, h);
    return tf.transpose(tf.reshape(y, [n, c, h, w]), [0, 2, 3, 1]);
  });
}
