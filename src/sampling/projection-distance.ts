/**
 * Image distances for projection. NVIDIA's projector.py uses LPIPS on VGG16 features; without
 * those weights we fall back to a multi-scale pixel MSE, plus a distance between the
 * discriminator's intermediate features when the checkpoint has D (a trained D's features are
 * a learned, data-specific perceptual space). Browser-safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LRELU_GAIN, useFused } from '../networks/stylegan/config.js';
import type { Discriminator } from '../networks/stylegan/discriminator.js';
import { addBias, equalizedConv2d, scaledConvWeight } from '../ops/equalized.js';
import { lrelu } from '../ops/activation.js';
import { blur2d, conv2dDownsampleFused, downsample2d } from '../ops/resample.js';

/** Distance to a fixed target: images [1, R, R, C] in [-1, 1] -> scalar (differentiable). */
export interface ImageDistance {
  readonly name: string;
  /**
   * The noise-regulariser weight that suits this distance's scale, used by project() when
   * none is given. NVIDIA's 1e5 is tuned to LPIPS; against a pixel MSE, whose gradients on
   * the noise maps are far smaller, it lets the regulariser alone steer the maps.
   */
  readonly regularizeNoiseWeight?: number;
  distance(synth: tf.Tensor4D): tf.Scalar;
  dispose(): void;
}

/** avg-pool by 2 until `minRes`: the image pyramid [R, R/2, ..., minRes]. */
function pyramid(x: tf.Tensor4D, minRes: number): tf.Tensor4D[] {
  const out = [x];
  while (x.shape[1] / 2 >= minRes) out.push((x = downsample2d(x)));
  return out;
}

/**
 * Noise-regulariser weight for the pixel distances: 1e5 (NVIDIA's, for LPIPS) kept the
 * maps from following the image at all (a network's own 32 px image came back at 26 dB);
 * 1e2 still penalises any spatial structure in them (a smooth map costs ~1e2 against
 * distances of ~1e-2 near convergence) but lets them settle where the image needs them.
 */
export const PIXEL_NOISE_REGULARIZATION = 1e2;

/**
 * Where the target is saturated (8-bit 0 or 255, i.e. -1 or 1), any synth value beyond it
 * saves to the same pixel: clamp only those pixels, only on that side (elsewhere the
 * synth is left as is, so out-of-range values still get a gradient back into range).
 */
function saturate(synth: tf.Tensor4D, lo: tf.Tensor, hi: tf.Tensor): tf.Tensor4D {
  return tf.where(lo, tf.maximum(synth, -1), tf.where(hi, tf.minimum(synth, 1), synth)) as tf.Tensor4D;
}

/**
 * Sum over scales R, R/2, ..., 8 px of the mean squared pixel error. Coarse scales give the
 * optimiser a smooth signal about overall colour and layout; the full scale, the details.
 */
export function pixelDistance(target: tf.Tensor4D, minRes = 8): ImageDistance {
  // Cloned, so the caller may dispose the target (pyramid level 0 is the input itself).
  const levels = tf.tidy(() => pyramid(tf.clone(target), Math.min(minRes, target.shape[1])).map((t) => tf.keep(t)));
  const [lo, hi] = tf.tidy(() => [tf.keep(tf.lessEqual(target, -1)), tf.keep(tf.greaterEqual(target, 1))]);
  return {
    name: 'multi-scale pixel MSE',
    regularizeNoiseWeight: PIXEL_NOISE_REGULARIZATION,
    distance: (synth) => tf.tidy(() => {
      const s = pyramid(saturate(synth, lo, hi), Math.min(minRes, target.shape[1]));
      return tf.addN(s.map((x, i) => tf.mean(tf.squaredDifference(x, levels[i])))) as tf.Scalar;
    }),
    dispose: () => { levels.forEach((t) => t.dispose()); lo.dispose(); hi.dispose(); },
  };
}

/** D's activations after fromRGB and after each block, down to 4 px (the same ops as D.forward). */
export function discriminatorFeatures(D: Discriminator, img: tf.Tensor4D): tf.Tensor4D[] {
  const res = D.cfg.imgResolution;
  const rgb = D.fromrgb.get(res)!;
  let x = lrelu(addBias(equalizedConv2d(img, rgb.weight as tf.Tensor4D, { gain: LRELU_GAIN }), rgb.bias as tf.Tensor1D));
  const feats = [x];
  for (let r = res; r > 4; r /= 2) {
    const { conv0, conv1 } = D.blocks.get(r)!;
    x = lrelu(addBias(equalizedConv2d(x, conv0.weight as tf.Tensor4D, { gain: LRELU_GAIN }), conv0.bias as tf.Tensor1D));
    x = blur2d(x);
    const w1 = conv1.weight as tf.Tensor4D;
    x = useFused(D.cfg, r) ? conv2dDownsampleFused(x, scaledConvWeight(w1, { gain: LRELU_GAIN })) : downsample2d(equalizedConv2d(x, w1, { gain: LRELU_GAIN }));
    x = lrelu(addBias(x, conv1.bias as tf.Tensor1D));
    feats.push(x);
  }
  return feats;
}

/** LPIPS-style: unit-normalise each pixel's feature vector, then mean squared difference. */
function unitChannels(x: tf.Tensor4D): tf.Tensor4D {
  // The 1e-24 inside the sqrt keeps the gradient finite for all-zero (dead ReLU) feature vectors.
  return tf.div(x, tf.add(tf.sqrt(tf.add(tf.sum(tf.square(x), -1, true), 1e-24)), 1e-10));
}

/** Pixel distance plus the summed per-layer distances between D's normalised features. */
export function discriminatorDistance(D: Discriminator, target: tf.Tensor4D, featureWeight = 1): ImageDistance {
  const pixel = pixelDistance(target);
  const tfeat = tf.tidy(() => discriminatorFeatures(D, target).map((f) => tf.keep(unitChannels(f))));
  return {
    name: 'multi-scale pixel MSE + discriminator features',
    regularizeNoiseWeight: PIXEL_NOISE_REGULARIZATION,
    distance: (synth) => tf.tidy(() => {
      const sf = discriminatorFeatures(D, synth);
      const feat = tf.addN(sf.map((f, i) => tf.mean(tf.squaredDifference(unitChannels(f), tfeat[i]))));
      return tf.add(pixel.distance(synth), tf.mul(feat, featureWeight)) as tf.Scalar;
    }),
    dispose: () => { pixel.dispose(); tfeat.forEach((t) => t.dispose()); },
  };
}

/** Anything with a differentiable LPIPS: images [N, H, W, 3] in [-1, 1] -> [N] (metrics' Vgg16). */
export interface LpipsNet {
  lpips(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor1D;
}

/**
 * projector.py's distance: images above 256 px are area-downsampled to 256 first (VGG was
 * trained near 224 px), then LPIPS (the squared distance of the LPIPS-weighted features).
 */
export function lpipsDistance(net: LpipsNet, target: tf.Tensor4D): ImageDistance {
  const prep = (x: tf.Tensor4D): tf.Tensor4D => {
    const r = x.shape[1];
    return r > 256 ? tf.avgPool(x, r / 256, r / 256, 'valid') : x;
  };
  const t = tf.tidy(() => tf.keep(tf.clone(prep(target))));
  return {
    name: 'LPIPS (VGG16)',
    distance: (synth) => tf.tidy(() => tf.sum(net.lpips(prep(synth), t)) as tf.Scalar),
    dispose: () => t.dispose(),
  };
}
