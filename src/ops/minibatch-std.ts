/**
 * Minibatch standard deviation (ProGAN sec. 3), as NVIDIA's minibatch_stddev_layer:
 * samples i and i + M*k share group i mod M (M = N / G); one feature per group is the
 * mean over C/F channels and pixels of the per-pixel stddev across the group.
 */
import * as tf from '@tensorflow/tfjs-core';

/** x [N, H, W, C] -> [N, H, W, C + F]. */
export function minibatchStd(x: tf.Tensor4D, groupSize = 4, numFeatures = 1): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const g = Math.min(groupSize, n);
    if (n % g) throw new Error(`Error in minibatchStd: batch ${n} is not a multiple of the group size ${g}`);
    if (c % numFeatures) throw new Error(`Error in minibatchStd: ${c} channels not divisible by ${numFeatures} features`);
    const m = n / g;
    const y = tf.reshape(x, [g, m, h * w, numFeatures, c / numFeatures]); // [G, M, HW, F, c]
    const centered = tf.sub(y, tf.mean(y, 0, true));
    const std = tf.sqrt(tf.add(tf.mean(tf.square(centered), 0), 1e-8)); // [M, HW, F, c]
    const feat = tf.mean(tf.reshape(std, [m, h * w, numFeatures, c / numFeatures]), [1, 3]); // [M, F]
    // Broadcast by a product with ones, not tf.tile: tile's gradient is one slice and add per
    // repetition (G * H * W of them, ~3 ms a training step at 32 px), the product's one sum.
    const tiled = tf.mul(tf.reshape(feat, [1, m, 1, numFeatures]), tf.ones([g, 1, h * w, 1])); // [G, M, HW, F]
    return tf.concat([x, tf.reshape(tiled, [n, h, w, numFeatures])], 3);
  });
}
