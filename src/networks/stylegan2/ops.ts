/**
 * StyleGAN2 ops as pure functions on NHWC tensors, matching NVIDIA's stylegan2-ada-pytorch
 * torch_utils/ops (upfirdn2d.py, conv2d_resample.py, bias_act.py) and training/networks.py
 * (modulated_conv2d, FullyConnectedLayer). Padding lists are NVIDIA's [x0, x1, y0, y1].
 * Everything is built from differentiable tfjs ops plus `firCorrelateValid`, whose custom
 * gradient is again differentiable, so gradients (and gradients of gradients) flow.
 */
import * as tf from '@tensorflow/tfjs-core';
import { firCorrelateValid, keepEvery, padCrop, zeroUpsample } from '../../ops/resample.js';
import { clampSymmetric, lrelu } from '../../ops/activation.js';

export { clampSymmetric };
import { FUSED, fusedBiasAct, fusedUpFirDn2d, hasFusedKernel } from '../../ops/fused.js';

/** A 2-D FIR filter [size, size], row-major. */
export interface Fir { k: Float32Array; size: number }

/** NVIDIA's setup_filter for 1-D taps (< 8, so non-separable): outer product, normalised to sum 1. */
export function setupFilter(taps: number[], gain = 1): Fir {
  const n = taps.length;
  const k = new Float32Array(n * n);
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sum += taps[i] * taps[j];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k[i * n + j] = Math.fround(Math.fround(taps[i] * taps[j]) / sum) * gain;
  return { k, size: n };
}

const IDENTITY: Fir = { k: Float32Array.of(1), size: 1 };

export type Padding = number | [number, number, number, number];
export interface UpFirDnOptions {
  up?: number;
  down?: number;
  /** [x0, x1, y0, y1] with respect to the upsampled image; negative crops. */
  padding?: Padding;
  /** False (default) = convolution, true = correlation, as NVIDIA's flip_filter. */
  flipFilter?: boolean;
  gain?: number;
}

const pads = (p: Padding = 0): [number, number, number, number] => (typeof p === 'number' ? [p, p, p, p] : p);

function flipped(f: Fir): Float32Array {
  const n = f.size, out = new Float32Array(f.k.length);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = f.k[(n - 1 - i) * n + (n - 1 - j)];
  return out;
}

/** upfirdn2d: zero-upsample, pad, FIR filter, downsample; x [N, H, W, C]. */
export function upfirdn2d(x: tf.Tensor4D, f: Fir | null, opts: UpFirDnOptions = {}): tf.Tensor4D {
  const { up = 1, down = 1, flipFilter = false, gain = 1 } = opts;
  const fir = f ?? IDENTITY;
  if (hasFusedKernel(FUSED.upfirdn2d) && x.dtype === 'float32') {
    const k = Array.from(flipFilter ? fir.k : flipped(fir), (v) => v * gain);
    return fusedUpFirDn2d(x, { up, down, pad: pads(opts.padding), k, kh: fir.size, kw: fir.size });
  }
  return tf.tidy(() => {
    let y = up > 1 ? zeroUpsample(x, up) : x;
    y = padCrop(y, pads(opts.padding));
    // NVIDIA convolves (flips the filter) unless flip_filter; tfjs correlates.
    const k = flipFilter ? fir.k.slice() : flipped(fir);
    if (gain !== 1) for (let i = 0; i < k.length; i++) k[i] *= gain;
    if (fir.size > 1 || gain !== 1) y = firCorrelateValid(y, k, fir.size, fir.size);
    return down > 1 ? keepEvery(y, down) : y;
  });
}

/** Plain-loop reference of {@link upfirdn2d} on NHWC data, as NVIDIA's _upfirdn2d_ref. */
export function upfirdn2dRef(x: Float32Array, shape: [number, number, number, number], f: Fir | null, opts: UpFirDnOptions = {}): { data: Float32Array; shape: [number, number, number, number] } {
  const { up = 1, down = 1, flipFilter = false, gain = 1 } = opts;
  const fir = f ?? IDENTITY;
  const [n, h, w, c] = shape;
  const [x0, x1, y0, y1] = pads(opts.padding);
  const ph = h * up + y0 + y1, pw = w * up + x0 + x1, fs = fir.size;
  const oh = Math.ceil((ph - fs + 1) / down), ow = Math.ceil((pw - fs + 1) / down);
  const at = (b: number, py: number, px: number, ch: number): number => {
    const uy = py - y0, ux = px - x0;
    if (uy < 0 || ux < 0 || uy >= h * up || ux >= w * up || uy % up || ux % up) return 0;
    return x[((b * h + uy / up) * w + ux / up) * c + ch];
  };
  const out = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let i = 0; i < fs; i++) for (let j = 0; j < fs; j++) {
      const kv = flipFilter ? fir.k[i * fs + j] : fir.k[(fs - 1 - i) * fs + (fs - 1 - j)];
      s += at(b, oy * down + i, ox * down + j, ch) * kv;
    }
    out[((b * oh + oy) * ow + ox) * c + ch] = s * gain;
  }
  return { data: out, shape: [n, oh, ow, c] };
}

/** NVIDIA's upfirdn2d.upsample2d: output exactly `up` times larger; the filter gain is up^2. */
export function upsample2d(x: tf.Tensor4D, f: Fir, up = 2): tf.Tensor4D {
  const fw = f.size;
  const p0 = Math.floor((fw + up - 1) / 2), p1 = Math.floor((fw - up) / 2);
  return upfirdn2d(x, f, { up, padding: [p0, p1, p0, p1], gain: up * up });
}

/** NVIDIA's upfirdn2d.downsample2d: output exactly `down` times smaller. */
export function downsample2d(x: tf.Tensor4D, f: Fir, down = 2): tf.Tensor4D {
  const fw = f.size;
  const p0 = Math.floor((fw - down + 1) / 2), p1 = Math.floor((fw - down) / 2);
  return upfirdn2d(x, f, { down, padding: [p0, p1, p0, p1] });
}

export interface ConvResampleOptions {
  up?: number;
  down?: number;
  /** Padding with respect to the upsampled image. */
  padding?: number;
  /** True = correlation (tf.conv2d / torch conv2d), false = true convolution. */
  flipWeight?: boolean;
}

/**
 * NVIDIA's conv2d_resample with the same fast paths (which fix where the FIR and the
 * stride go, hence the exact numerics). w: scaled weight [kh, kw, in, out].
 */
export function conv2dResample(x: tf.Tensor4D, w: tf.Tensor4D, f: Fir | null, opts: ConvResampleOptions = {}): tf.Tensor4D {
  const { up = 1, down = 1, padding = 0, flipWeight = true } = opts;
  return tf.tidy(() => {
    const [kh, kw, , cout] = w.shape;
    const fw = f ? f.size : 1;
    let px0 = padding, px1 = padding, py0 = padding, py1 = padding;
    if (up > 1) {
      px0 += Math.floor((fw + up - 1) / 2); px1 += Math.floor((fw - up) / 2);
      py0 += Math.floor((fw + up - 1) / 2); py1 += Math.floor((fw - up) / 2);
    }
    if (down > 1) {
      px0 += Math.floor((fw - down + 1) / 2); px1 += Math.floor((fw - down) / 2);
      py0 += Math.floor((fw - down + 1) / 2); py1 += Math.floor((fw - down) / 2);
    }
    // Only built on the paths that correlate with it (the transposed path flips the other way).
    const corr = (): tf.Tensor4D => (flipWeight || (kh === 1 && kw === 1) ? w : tf.reverse(w, [0, 1]));
    if (kw === 1 && kh === 1 && down > 1 && up === 1) {
      return tf.conv2d(upfirdn2d(x, f, { down, padding: [px0, px1, py0, py1] }), corr(), 1, 'valid');
    }
    if (kw === 1 && kh === 1 && up > 1 && down === 1) {
      return upfirdn2d(tf.conv2d(x, corr(), 1, 'valid'), f, { up, padding: [px0, px1, py0, py1], gain: up * up });
    }
    if (down > 1 && up === 1) {
      return tf.conv2d(upfirdn2d(x, f, { padding: [px0, px1, py0, py1] }), corr(), down, 'valid');
    }
    if (up > 1) {
      px0 -= kw - 1; px1 -= kw - up; py0 -= kh - 1; py1 -= kh - up;
      const pxt = Math.max(Math.min(-px0, -px1), 0), pyt = Math.max(Math.min(-py0, -py1), 0);
      // torch's conv_transpose2d flips nothing when flip_weight=False, as tfjs' conv2dTranspose.
      const wt = tf.transpose(flipWeight ? tf.reverse(w, [0, 1]) : w, [0, 1, 3, 2]) as tf.Tensor4D;
      const [n, h, wd] = x.shape;
      let y = tf.conv2dTranspose(x, wt, [n, (h - 1) * up + kh, (wd - 1) * up + kw, cout], up, 'valid');
      if (pxt || pyt) y = padCrop(y, [-pxt, -pxt, -pyt, -pyt]);
      y = upfirdn2d(y, f, { padding: [px0 + pxt, px1 + pxt, py0 + pyt, py1 + pyt], gain: up * up });
      return down > 1 ? upfirdn2d(y, f, { down }) : y;
    }
    if (px0 === px1 && py0 === py1 && px0 >= 0 && py0 >= 0) {
      // Padding inside the conv: no padded copy as a tensor, and no Slice in the gradient.
      return tf.conv2d(x, corr(), 1, px0 || py0 ? [[0, 0], [py0, py0], [px0, px0], [0, 0]] : 'valid');
    }
    let y = upfirdn2d(x, null, { padding: [px0, px1, py0, py1] });
    y = tf.conv2d(y, corr(), 1, 'valid');
    return down > 1 ? upfirdn2d(y, f, { down }) : y;
  });
}

export type Activation = 'linear' | 'lrelu';
/** bias_act's def_gain. */
export const ACT_GAIN: Record<Activation, number> = { linear: 1, lrelu: Math.SQRT2 };

/** NVIDIA's bias_act: (x + b) -> activation -> * gain -> clamp(+-clamp); b along the last axis. */
export function biasAct<T extends tf.Tensor>(x: T, b: tf.Tensor | null, act: Activation = 'linear', gain = ACT_GAIN[act], clamp: number | null = null): T {
  const clamped = clamp !== null && clamp >= 0;
  if ((act === 'lrelu' || gain !== 1 || clamped) && hasFusedKernel(FUSED.biasAct) && x.rank > 0
    && (!b || (b.rank === 1 && b.shape[0] === x.shape[x.rank - 1]))) {
    return fusedBiasAct(x, b, { alpha: act === 'lrelu' ? 0.2 : 1, gain, clamp: clamped ? clamp : -1 });
  }
  return tf.tidy(() => {
    let y: tf.Tensor = b ? tf.add(x, b) : x;
    if (act === 'lrelu') y = lrelu(y, 0.2);
    if (gain !== 1) y = tf.mul(y, gain);
    if (clamp !== null && clamp >= 0) y = clampSymmetric(y, clamp);
    return y as T;
  });
}

export interface FcOptions { weightGain: number; biasGain?: number; act?: Activation }

/** FullyConnectedLayer: x [N, in] @ (w [in, out] * weightGain) + b * biasGain, then activation. */
export function fullyConnected(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null, { weightGain, biasGain = 1, act = 'linear' }: FcOptions): tf.Tensor2D {
  return tf.tidy(() => {
    if (x.shape[1] !== w.shape[0]) throw new Error(`Error in fullyConnected: x [${x.shape}] does not fit w [${w.shape}]`);
    const y = tf.matMul(x, tf.mul(w, weightGain)) as tf.Tensor2D;
    const bb = b && biasGain !== 1 ? tf.mul(b, biasGain) : b;
    return biasAct(y, bb, act);
  });
}

export interface ModConvOptions extends ConvResampleOptions {
  demodulate?: boolean;
  /** Added after the (de)modulated convolution, [N|1, H, W, 1]. */
  noise?: tf.Tensor4D | null;
}

/**
 * modulated_conv2d in its non-fused form (scale activations by the styles, convolve with the
 * shared weight, scale by the demodulation coefficients): the same value as NVIDIA's fused
 * grouped convolution, in one batched conv. weight: raw [kh, kw, in, out]; styles [N, in].
 */
export function modulatedConv2d(x: tf.Tensor4D, weight: tf.Tensor4D, styles: tf.Tensor2D, f: Fir | null, opts: ModConvOptions = {}): tf.Tensor4D {
  const { demodulate = true, noise = null, ...conv } = opts;
  return tf.tidy(() => {
    const [n, , , cin] = x.shape;
    const cout = weight.shape[3];
    if (weight.shape[2] !== cin || styles.shape[1] !== cin) {
      throw new Error(`Error in modulatedConv2d: x [${x.shape}], weight [${weight.shape}], styles [${styles.shape}]`);
    }
    let y = conv2dResample(tf.mul(x, tf.reshape(styles, [n, 1, 1, cin])), weight, f, conv);
    if (demodulate) {
      // sum over (in, kh, kw) of (w * s)^2 = s^2 @ sum_k w^2.
      const w2 = tf.sum(tf.square(weight), [0, 1]) as tf.Tensor2D; // [in, out]
      const dcoefs = tf.rsqrt(tf.add(tf.matMul(tf.square(styles), w2), 1e-8));
      y = tf.mul(y, tf.reshape(dcoefs, [n, 1, 1, cout]));
    }
    return noise ? tf.add(y, noise) : y;
  });
}
