/** Activations. Leaky ReLU is written with |x| so it stays differentiable twice (R1 needs it). */
import * as tf from '@tensorflow/tfjs';
import { FUSED, fusedBiasAct, hasFusedKernel } from './fused.js';

/**
 * lrelu(x) = max(x, a x) = (1 + a)/2 x + (1 - a)/2 |x|. tf.leakyRelu's gradient uses a
 * Greater mask that has no gradient itself, which breaks gradients of gradients.
 */
export function lrelu<T extends tf.Tensor>(x: T, alpha = 0.2): T {
  if (hasFusedKernel(FUSED.act) && x.rank > 0) return fusedBiasAct(x, null, { alpha, gain: 1, clamp: -1 });
  return tf.tidy(() => tf.add(tf.mul(x, (1 + alpha) / 2), tf.mul(tf.abs(x), (1 - alpha) / 2)) as T);
}

/** Plain-math reference of lrelu for tests. */
export function lreluRef(v: number, alpha = 0.2): number {
  return v >= 0 ? v : alpha * v;
}
