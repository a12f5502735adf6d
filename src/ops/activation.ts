/** Activations. Leaky ReLU is written with |x| so it stays differentiable twice (R1 needs it). */
import * as tf from '@tensorflow/tfjs-core';
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

/**
 * clipByValue(x, -c, c) with a gradient that is differentiable again: tfjs' own gradient masks
 * with LogicalAnd / LessEqual, which have no gradients, so R1 and path length regularization
 * (gradients of gradients) would fail on any clamped layer. The mask here is 1 - step(|x| - c):
 * the same pass-through at |x| <= c, built from ops whose gradients exist.
 */
export function clampSymmetric<T extends tf.Tensor>(x: T, c: number): T {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const inp = args[0] as tf.Tensor, save = args[1] as tf.GradSaveFunc;
    save([inp]);
    return {
      value: tf.clipByValue(inp, -c, c),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.sub(1, tf.step(tf.sub(tf.abs(saved[0]), c)))),
    };
  });
  return op(x) as T;
}
