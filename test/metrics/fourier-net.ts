/**
 * The equivariance tests' known-answer "network": Fourier features only (StyleGAN3's
 * SynthesisInput) sampled on a 32 px output grid with bandwidth 3, well below Nyquist 16, so it
 * is exactly equivariant to integer translation and nearly so to fractional ones and rotations;
 * with `ignoreTransform` it draws the same features without the user transform.
 */
import * as tf from '@tensorflow/tfjs-core';
import { testRandom } from '../helpers.js';
import { SynthesisInput } from '../../src/networks/stylegan3/input.js';
import { ParamStore } from '../../src/networks/params.js';
import type { TransformableGenerator } from '../../src/metrics/equivariance.js';

export const FOURIER_RES = 32;

export function fourierNet(ignoreTransform = false): TransformableGenerator & { dispose(): void } {
  const R = FOURIER_RES, store = new ParamStore(testRandom(3));
  const input = new SynthesisInput(4, { channels: 3, size: R, samplingRate: R, bandwidth: 3 }, store, testRandom(4));
  const fixed = new SynthesisInput(4, { channels: 3, size: R, samplingRate: R, bandwidth: 3 }, new ParamStore(testRandom(3)), testRandom(4));
  return {
    cfg: { zDim: 4, cDim: 0, imgResolution: R, imgChannels: 3 },
    mappingForward: (z) => tf.tidy(() => tf.expandDims(z, 1) as tf.Tensor3D),
    synthesis: { forward: (ws) => (ignoreTransform ? fixed : input).forward(tf.squeeze(ws, [1]) as tf.Tensor2D) },
    transform: input.transform,
    dispose: () => { store.dispose(); },
  };
}
