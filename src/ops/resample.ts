/**
 * Up/down-sampling and FIR blur for NHWC tensors. Every op is built from tfjs ops whose
 * gradients are themselves differentiable, so R1 (a gradient of a gradient) works through
 * them; the blur carries its own gradient since depthwise backprop kernels have none.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED, fusedUpFirDn2d, hasFusedKernel } from './fused.js';

/** Nearest-neighbour 2x upsampling [N, H, W, C] -> [N, 2H, 2W, C], as NVIDIA's upscale2d. */
export function upsample2d(x: tf.Tensor4D): tf.Tensor4D {
  // Zero-upsample + a 2x2 box of ones, padded so each output pixel sums its source pixel and zeros.
  if (hasFusedKernel(FUSED.upfirdn2d)) return fusedUpFirDn2d(x, { up: 2, down: 1, pad: [1, 0, 1, 0], k: [1, 1, 1, 1], kh: 2, kw: 2 });
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const cols = tf.reshape(x, [n * h, w, 1, c]);
    const wide = tf.reshape(tf.concat([cols, cols], 2), [n * h, 1, 2 * w * c]);
    return tf.reshape(tf.concat([wide, wide], 1), [n, 2 * h, 2 * w, c]);
  });
}

/** 2x2 box downsampling [N, H, W, C] -> [N, H/2, W/2, C], as NVIDIA's downscale2d (avg pool). */
export function downsample2d(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    if (h % 2 || w % 2) throw new Error(`Error in downsample2d: odd size [${x.shape}]`);
    if (hasFusedKernel(FUSED.upfirdn2d)) return fusedUpFirDn2d(x, { up: 1, down: 2, pad: [0, 0, 0, 0], k: [0.25, 0.25, 0.25, 0.25], kh: 2, kw: 2 });
    const pairsW = tf.mean(tf.reshape(x, [n * h * (w / 2), 2, c]), 1);
    return tf.reshape(tf.mean(tf.reshape(pairsW, [n * (h / 2), 2, (w / 2) * c]), 1), [n, h / 2, w / 2, c]);
  });
}

/** Normalised separable 2-D kernel from a 1-D FIR [1, 2, 1] -> 3x3 / 16. */
export function firKernel2d(f: number[]): Float32Array {
  const k = new Float32Array(f.length * f.length);
  let sum = 0;
  for (let i = 0; i < f.length; i++) for (let j = 0; j < f.length; j++) sum += k[i * f.length + j] = f[i] * f[j];
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

function flip2d(k: Float32Array, kh: number, kw: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) out[i * kw + j] = k[(kh - 1 - i) * kw + (kw - 1 - j)];
  return out;
}

/**
 * 'valid' correlation of every channel with kernel k [kh, kw]. Its input gradient is the
 * correlation of the fully padded dy with the flipped kernel: the same op again, so the
 * gradient is differentiable to any order.
 */
export function firCorrelateValid(x: tf.Tensor4D, k: Float32Array, kh: number, kw: number): tf.Tensor4D {
  if (hasFusedKernel(FUSED.upfirdn2d)) return fusedUpFirDn2d(x, { up: 1, down: 1, pad: [0, 0, 0, 0], k: Array.from(k), kh, kw });
  const c = x.shape[3];
  const run = (inp: tf.Tensor4D, kern: Float32Array) =>
    tf.depthwiseConv2d(inp, tf.tile(tf.tensor4d(kern, [kh, kw, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D, 1, 'valid');
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    return {
      value: run(args[0] as tf.Tensor4D, k),
      gradFunc: (dy: tf.Tensor) => firCorrelateValid(
        tf.pad(dy as tf.Tensor4D, [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]]), flip2d(k, kh, kw), kh, kw),
    };
  });
  return op(x) as tf.Tensor4D;
}

/** Blur with a normalised separable FIR filter, 'same' padding (NVIDIA's blur2d, stride 1). */
export function blur2d(x: tf.Tensor4D, f: number[] = [1, 2, 1]): tf.Tensor4D {
  return tf.tidy(() => {
    const k = f.length;
    const p0 = Math.floor((k - 1) / 2), p1 = k - 1 - p0;
    if (hasFusedKernel(FUSED.upfirdn2d)) return fusedUpFirDn2d(x, { up: 1, down: 1, pad: [p0, p1, p0, p1], k: Array.from(firKernel2d(f)), kh: k, kw: k });
    const xp = tf.pad(x, [[0, 0], [p0, p1], [p0, p1], [0, 0]]);
    return firCorrelateValid(xp, firKernel2d(f), k, k);
  });
}

/**
 * Fused 2x upsample + 3x3 conv (NVIDIA's upscale2d_conv2d with fused_scale): a stride-2
 * transposed conv whose 4x4 kernel sums the 3x3 kernel at four offsets. Inside the image this
 * equals nearest upsampling + a 3x3 conv with the spatially flipped kernel. w: scaled [3, 3, in, out].
 */
export function upsampleConv2dFused(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, wd] = x.shape;
    const out = w.shape[3];
    const wt = tf.transpose(w, [0, 1, 3, 2]); // [k, k, out, in], as conv2dTranspose wants
    const wp = tf.pad(wt, [[1, 1], [1, 1], [0, 0], [0, 0]]);
    const k = wt.shape[0] + 1;
    const sl = (a: number, b: number) => tf.slice(wp, [a, b, 0, 0], [k, k, -1, -1]);
    const w4 = tf.addN([sl(1, 1), sl(0, 1), sl(1, 0), sl(0, 0)]) as tf.Tensor4D;
    return tf.conv2dTranspose(x, w4, [n, 2 * h, 2 * wd, out], 2, 'same');
  });
}

/** Fused 3x3 conv + 2x downsample (NVIDIA's conv2d_downscale2d): stride-2 conv with the averaged 4x4 kernel. */
export function conv2dDownsampleFused(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const wp = tf.pad(w, [[1, 1], [1, 1], [0, 0], [0, 0]]);
    const k = w.shape[0] + 1;
    const sl = (a: number, b: number) => tf.slice(wp, [a, b, 0, 0], [k, k, -1, -1]);
    const w4 = tf.mul(tf.addN([sl(1, 1), sl(0, 1), sl(1, 0), sl(0, 0)]), 0.25) as tf.Tensor4D;
    return tf.conv2d(x, w4, 2, 'same');
  });
}

/** Inserts up-1 zeros after every pixel along H and W. */
export function zeroUpsample(x: tf.Tensor4D, up: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const cols = tf.pad(tf.reshape(x, [n * h, w, 1, c]), [[0, 0], [0, 0], [0, up - 1], [0, 0]]);
  const rows = tf.pad(tf.reshape(cols, [n, h, 1, w * up * c]), [[0, 0], [0, 0], [0, up - 1], [0, 0]]);
  return tf.reshape(rows, [n, h * up, w * up, c]);
}

/** Keeps every down-th pixel from the first along H and W (x[:, ::d, ::d]). */
export function keepEvery(x: tf.Tensor4D, d: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const hp = Math.ceil(h / d) * d, wp = Math.ceil(w / d) * d;
  const xp = hp !== h || wp !== w ? tf.pad(x, [[0, 0], [0, hp - h], [0, wp - w], [0, 0]]) : x;
  const rows = tf.reshape(tf.slice(tf.reshape(xp, [n * (hp / d), d, wp * c, 1]), [0, 0, 0, 0], [-1, 1, -1, -1]), [n * (hp / d), wp / d, d, c]);
  return tf.reshape(tf.slice(rows, [0, 0, 0, 0], [-1, -1, 1, -1]), [n, hp / d, wp / d, c]);
}

/** Pads (positive) and crops (negative) H and W by [x0, x1, y0, y1]. */
export function padCrop(x: tf.Tensor4D, [x0, x1, y0, y1]: [number, number, number, number]): tf.Tensor4D {
  if (x0 > 0 || x1 > 0 || y0 > 0 || y1 > 0) {
    x = tf.pad(x, [[0, 0], [Math.max(y0, 0), Math.max(y1, 0)], [Math.max(x0, 0), Math.max(x1, 0)], [0, 0]]);
  }
  if (x0 < 0 || x1 < 0 || y0 < 0 || y1 < 0) {
    const [, h, w] = x.shape;
    const t = Math.max(-y0, 0), l = Math.max(-x0, 0);
    x = tf.slice(x, [0, t, l, 0], [-1, h - t - Math.max(-y1, 0), w - l - Math.max(-x1, 0), -1]);
  }
  return x;
}
