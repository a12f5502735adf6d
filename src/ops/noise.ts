/** Per-pixel noise (paper sec. 3.2): one N(0, 1) channel broadcast to all channels, scaled per channel. */
import * as tf from '@tensorflow/tfjs-core';

/** x [N, H, W, C] + noise [N|1, H, W, 1] * strength [C]. */
export function addNoise(x: tf.Tensor4D, noise: tf.Tensor4D, strength: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    if (noise.shape[3] !== 1 || noise.shape[1] !== x.shape[1] || noise.shape[2] !== x.shape[2]) {
      throw new Error(`Error in addNoise: noise [${noise.shape}] for x [${x.shape}]`);
    }
    return tf.add(x, tf.mul(noise, strength));
  });
}
