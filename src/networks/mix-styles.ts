/** Style mixing (StyleGAN paper sec. 3.1), shared by every generation that has per-layer styles ws. */
import * as tf from '@tensorflow/tfjs-core';

/** Style mixing: layers [0, crossover) from ws1, the rest from ws2; [N, numWs, wDim]. */
export function mixStyles(ws1: tf.Tensor3D, ws2: tf.Tensor3D, crossover: number): tf.Tensor3D {
  return tf.tidy(() => {
    const num = ws1.shape[1];
    const c = Math.max(0, Math.min(crossover, num));
    if (c === num) return tf.clone(ws1);
    if (c === 0) return tf.clone(ws2);
    return tf.concat([tf.slice(ws1, [0, 0, 0], [-1, c, -1]), tf.slice(ws2, [0, c, 0], [-1, num - c, -1])], 1);
  });
}
