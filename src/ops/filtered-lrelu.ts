/**
 * StyleGAN3's filtered leaky ReLU (NVlabs/stylegan3 torch_utils/ops/filtered_lrelu.py, whose
 * `_filtered_lrelu_ref` fixes the numerics) on NHWC tensors:
 *
 *   filteredLrelu(x, fu, fd, b, { up, down, padding, gain, slope, clamp, flipFilter })
 *     x  [N, H, W, C] float32
 *     fu, fd  FirFilter | null: 1-D taps {data, shape: [k]} (separable: along W, then H) or 2-D
 *             {data, shape: [fh, fw]} row-major (R's radial down filters); null = identity.
 *             As NVIDIA stores them (the networks' up_filter / down_filter buffers), unflipped.
 *     b  [C] or null
 *     up, down  integer factors (default 1)
 *     padding  [px0, px1, py0, py1] (or one number) of the upsampled image; negative crops
 *     gain (default sqrt 2), slope (0.2), clamp (null = none), flipFilter (false = convolution)
 *   -> [N, outH, outW, C], outW = floor((W up + px0 + px1 - (fuw - 1) - (fdw - 1) + down - 1) / down).
 *
 * In NVIDIA's order: 1. add b, 2. insert up-1 zeros after each pixel, 3. pad/crop, 4. FIR with fu
 * and gain up^2, 5. leaky ReLU (slope) times gain, 6. clamp to +-clamp, 7. FIR with fd,
 * 8. keep every down-th pixel. Backends with the fused kernel (native) run it as one kernel with
 * its own gradient (wrt x and b; the filters are constants); elsewhere composite tfjs ops give
 * the same values and their gradients (of any order) through tfjs autodiff.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import { FUSED, fusedBiasAct, hasFusedKernel } from './fused.js';
import { firCorrelateValid, keepEvery, padCrop, zeroUpsample } from './resample.js';
import { clampSymmetric, lrelu } from './activation.js';

/** A FIR filter as NVIDIA stores it: taps [k] (separable) or [fh, fw] (row-major). */
export interface FirFilter {
  data: ArrayLike<number>;
  shape: [number] | [number, number];
}

export interface FilteredLreluOptions {
  /** Upsampling factor (1 = none). */
  up?: number;
  /** Downsampling factor (1 = none). */
  down?: number;
  /** [px0, px1, py0, py1] with respect to the upsampled image, or one number for all; negative crops. */
  padding?: number | [number, number, number, number];
  /** Multiplies the leaky ReLU's output (default sqrt 2). */
  gain?: number;
  /** Slope of the negative side (default 0.2; 1 = linear, as ToRGB). */
  slope?: number;
  /** Clamp of the activation's output to +-clamp; null (default) = none. */
  clamp?: number | null;
  /** False (default) = convolution, true = correlation, as NVIDIA's flip_filter. */
  flipFilter?: boolean;
}

/** The options with every default filled in and the padding as four numbers. */
export interface FilteredLreluParams {
  up: number;
  down: number;
  padding: [number, number, number, number];
  gain: number;
  slope: number;
  clamp: number | null;
  flipFilter: boolean;
}

/** Width and height of a filter (NVIDIA's _get_filter_size); null is 1x1. */
export function filterSize(f: FirFilter | null): { fw: number; fh: number } {
  if (!f) return { fw: 1, fh: 1 };
  return { fw: f.shape[f.shape.length - 1], fh: f.shape[0] };
}

/** Validates shapes and options; returns the filled-in options and the output shape [N, outH, outW, C]. */
export function filteredLreluParams(xShape: readonly number[], fu: FirFilter | null, fd: FirFilter | null, bShape: readonly number[] | null,
  opts: FilteredLreluOptions = {}): { params: FilteredLreluParams; outShape: [number, number, number, number] } {
  const fail = (msg: string): never => { throw new Error(`Error in filteredLrelu: ${msg}`); };
  if (xShape.length !== 4) fail(`x must be [N, H, W, C], got [${xShape}]`);
  const [n, h, w, c] = xShape;
  if (bShape && (bShape.length !== 1 || bShape[0] !== c)) fail(`b [${bShape}] does not match the ${c} channels of x [${xShape}]`);
  for (const [name, f] of [['fu', fu], ['fd', fd]] as const) {
    if (!f) continue;
    if ((f.shape.length !== 1 && f.shape.length !== 2) || f.shape.some((s) => !Number.isInteger(s) || s < 1)) fail(`${name} shape [${f.shape}] is not [k] or [fh, fw]`);
    const size = f.shape.reduce((a, s) => a * s, 1);
    if (f.data.length !== size) fail(`${name} has ${f.data.length} values for shape [${f.shape}]`);
  }
  const { up = 1, down = 1, gain = Math.SQRT2, slope = 0.2, clamp = null, flipFilter = false } = opts;
  const p = opts.padding ?? 0;
  const padding: [number, number, number, number] = typeof p === 'number' ? [p, p, p, p] : [p[0], p[1], p[2], p[3]];
  if (!Number.isInteger(up) || up < 1 || !Number.isInteger(down) || down < 1) fail(`up ${up} and down ${down} must be integers >= 1`);
  if (padding.length !== 4 || padding.some((v) => !Number.isInteger(v))) fail(`padding [${padding}] must be 4 integers`);
  if (!(gain > 0)) fail(`gain ${gain} must be > 0`);
  if (!(slope >= 0)) fail(`slope ${slope} must be >= 0`);
  if (clamp !== null && !(clamp >= 0)) fail(`clamp ${clamp} must be >= 0 or null`);
  const u = filterSize(fu), d = filterSize(fd);
  const [px0, px1, py0, py1] = padding;
  const outW = Math.floor((w * up + px0 + px1 - (u.fw - 1) - (d.fw - 1) + down - 1) / down);
  const outH = Math.floor((h * up + py0 + py1 - (u.fh - 1) - (d.fh - 1) + down - 1) / down);
  if (outW < 1 || outH < 1) fail(`x [${xShape}] with up ${up}, padding [${padding}], filters ${u.fh}x${u.fw} and ${d.fh}x${d.fw} leaves no output`);
  return { params: { up, down, padding, gain, slope, clamp, flipFilter }, outShape: [n, outH, outW, c] };
}

/**
 * The correlation kernel(s) NVIDIA's upfirdn2d applies: float32 f * gain^(ndim / 2), flipped unless
 * flipFilter. Separable filters give the same taps for the W and the H pass.
 */
export function correlationTaps(f: FirFilter, gain: number, flipFilter: boolean): Float32Array {
  const g = Math.fround(gain ** (f.shape.length / 2));
  const k = Float32Array.from(f.data, (v) => Math.fround(v) * g);
  return flipFilter ? k : k.reverse();
}

/** NVIDIA's upfirdn2d with a 1-D or 2-D filter as composite tfjs ops (x [N, H, W, C]). */
function upfirdnComposite(x: tf.Tensor4D, f: FirFilter | null, up: number, down: number, pad: [number, number, number, number],
  gain: number, flipFilter: boolean): tf.Tensor4D {
  let y = up > 1 ? zeroUpsample(x, up) : x;
  y = padCrop(y, pad);
  if (f) {
    const k = correlationTaps(f, gain, flipFilter);
    if (f.shape.length === 1) {
      y = firCorrelateValid(y, k, 1, k.length);
      y = firCorrelateValid(y, k, k.length, 1);
    } else {
      y = firCorrelateValid(y, k, f.shape[0], f.shape[1]);
    }
  } else if (gain !== 1) {
    y = tf.mul(y, gain);
  }
  return down > 1 ? keepEvery(y, down) : y;
}

/** The composite form of {@link filteredLrelu}: the same steps as NVIDIA's `_filtered_lrelu_ref`. */
export function filteredLreluComposite(x: tf.Tensor4D, fu: FirFilter | null, fd: FirFilter | null, b: tf.Tensor1D | null,
  opts: FilteredLreluOptions = {}): tf.Tensor4D {
  const { params: p } = filteredLreluParams(x.shape, fu, fd, b ? b.shape : null, opts);
  return tf.tidy(() => {
    let y = b ? tf.add(x, b) as tf.Tensor4D : x;
    y = upfirdnComposite(y, fu, p.up, 1, p.padding, p.up * p.up, p.flipFilter);
    if (hasFusedKernel(FUSED.act)) {
      y = fusedBiasAct(y, null, { alpha: p.slope, gain: p.gain, clamp: p.clamp ?? -1 });
    } else {
      y = lrelu(y, p.slope);
      if (p.gain !== 1) y = tf.mul(y, p.gain);
      if (p.clamp !== null) y = clampSymmetric(y, p.clamp);
    }
    return upfirdnComposite(y, fd, 1, p.down, [0, 0, 0, 0], 1, p.flipFilter);
  });
}

/** Attributes of the fused kernel FUSED.filteredLrelu. */
export interface FilteredLreluAttrs {
  up: number;
  down: number;
  padding: [number, number, number, number];
  gain: number;
  slope: number;
  /** < 0: none. */
  clamp: number;
  /** Correlation taps (gain and flip applied, see correlationTaps); [] = identity. */
  ku: number[];
  /** [fh, fw], or [k] for separable taps, [1, 1] for the identity. */
  kuShape: number[];
  kd: number[];
  kdShape: number[];
}

/** The fused kernel's attributes for these filters and options. */
export function filteredLreluAttrs(fu: FirFilter | null, fd: FirFilter | null, p: FilteredLreluParams): FilteredLreluAttrs {
  const taps = (f: FirFilter | null, gain: number) => (f ? Array.from(correlationTaps(f, gain, p.flipFilter)) : [gain]);
  return {
    up: p.up, down: p.down, padding: p.padding, gain: p.gain, slope: p.slope, clamp: p.clamp ?? -1,
    ku: taps(fu, p.up * p.up), kuShape: fu ? [...fu.shape] : [1, 1],
    kd: taps(fd, 1), kdShape: fd ? [...fd.shape] : [1, 1],
  };
}

/**
 * Filtered leaky ReLU, NVIDIA's filtered_lrelu (see the file header for the arguments); one
 * kernel where the backend has it, composite tfjs ops elsewhere.
 */
export function filteredLrelu(x: tf.Tensor4D, fu: FirFilter | null, fd: FirFilter | null, b: tf.Tensor1D | null,
  opts: FilteredLreluOptions = {}): tf.Tensor4D {
  const { params } = filteredLreluParams(x.shape, fu, fd, b ? b.shape : null, opts);
  if (hasFusedKernel(FUSED.filteredLrelu) && x.dtype === 'float32') {
    const attrs = filteredLreluAttrs(fu, fd, params) as unknown as NamedAttrMap;
    return tf.tidy(() => tf.engine().runKernel(FUSED.filteredLrelu, { x, b: b ?? tf.zeros([x.shape[3]]) }, attrs) as tf.Tensor4D);
  }
  return filteredLreluComposite(x, fu, fd, b, opts);
}

/**
 * Plain-loop reference of {@link filteredLrelu} on NHWC data, step by step as `_filtered_lrelu_ref`
 * (float32 between the steps, as torch keeps them; the separable passes along W, then H).
 */
export function filteredLreluRef(x: Float32Array, shape: [number, number, number, number], fu: FirFilter | null, fd: FirFilter | null,
  b: Float32Array | null, opts: FilteredLreluOptions = {}): { data: Float32Array; shape: [number, number, number, number] } {
  const { params: p, outShape } = filteredLreluParams(shape, fu, fd, b ? [b.length] : null, opts);
  const [n, h, w, c] = shape;
  type Img = { d: Float32Array; h: number; w: number };
  const at = (im: Img, bi: number, y: number, xx: number, ch: number) => im.d[((bi * im.h + y) * im.w + xx) * c + ch];
  // 'valid' correlation with a [kh, kw] kernel.
  const correlate = (im: Img, k: Float32Array, kh: number, kw: number): Img => {
    const oh = im.h - kh + 1, ow = im.w - kw + 1, d = new Float32Array(n * oh * ow * c);
    for (let bi = 0; bi < n; bi++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) for (let ch = 0; ch < c; ch++) {
      let s = 0;
      for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) s += k[i * kw + j] * at(im, bi, y + i, xx + j, ch);
      d[((bi * oh + y) * ow + xx) * c + ch] = s;
    }
    return { d, h: oh, w: ow };
  };
  const fir = (im: Img, f: FirFilter | null, gain: number): Img => {
    if (!f) return gain === 1 ? im : { ...im, d: im.d.map((v) => v * gain) };
    const k = correlationTaps(f, gain, p.flipFilter);
    return f.shape.length === 1 ? correlate(correlate(im, k, 1, k.length), k, k.length, 1) : correlate(im, k, f.shape[0], f.shape[1]);
  };
  // 1-3: bias, zero insertion, padding/cropping.
  const [px0, px1, py0, py1] = p.padding;
  const ph = h * p.up + py0 + py1, pw = w * p.up + px0 + px1;
  const padded = new Float32Array(n * ph * pw * c);
  for (let bi = 0; bi < n; bi++) for (let y = 0; y < ph; y++) for (let xx = 0; xx < pw; xx++) {
    const uy = y - py0, ux = xx - px0;
    if (uy < 0 || ux < 0 || uy >= h * p.up || ux >= w * p.up || uy % p.up || ux % p.up) continue;
    for (let ch = 0; ch < c; ch++) padded[((bi * ph + y) * pw + xx) * c + ch] = x[((bi * h + uy / p.up) * w + ux / p.up) * c + ch] + (b ? b[ch] : 0);
  }
  // 4-6: up filter, leaky ReLU with gain, clamp.
  const t = fir({ d: padded, h: ph, w: pw }, fu, p.up * p.up);
  const act = t.d.map((v) => {
    let a = (v < 0 ? v * p.slope : v) * p.gain;
    if (p.clamp !== null) a = Math.min(Math.max(a, -p.clamp), p.clamp);
    return a;
  });
  // 7-8: down filter, keep every down-th pixel.
  const f = fir({ d: act, h: t.h, w: t.w }, fd, 1);
  const [, oh, ow] = outShape;
  const out = new Float32Array(n * oh * ow * c);
  for (let bi = 0; bi < n; bi++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) for (let ch = 0; ch < c; ch++) {
    out[((bi * oh + y) * ow + xx) * c + ch] = at(f, bi, y * p.down, xx * p.down, ch);
  }
  return { data: out, shape: outShape };
}
