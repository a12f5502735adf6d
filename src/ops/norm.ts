/** Normalisations of StyleGAN: pixel norm of z, instance norm + style modulation (AdaIN). */
import * as tf from '@tensorflow/tfjs-core';

/** x / sqrt(mean(x^2 over features) + eps); x [N, C]. The mapping network's normalize_latents. */
export function pixelNorm(x: tf.Tensor2D, eps = 1e-8): tf.Tensor2D {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), 1, true), eps))));
}

/** (x - mu(x)) / sigma(x) per sample and channel over H, W; x [N, H, W, C]. */
export function instanceNorm(x: tf.Tensor4D, eps = 1e-8): tf.Tensor4D {
  return tf.tidy(() => {
    const centered = tf.sub(x, tf.mean(x, [1, 2], true));
    return tf.mul(centered, tf.rsqrt(tf.add(tf.mean(tf.square(centered), [1, 2], true), eps)));
  });
}

/**
 * Style modulation x * (ys + 1) + yb with style [N, 2C] = [scale | bias] from the learned
 * affine of w (the +1 makes the scale's effective bias init 1, as NVIDIA's StyleMod).
 */
export function styleMod(x: tf.Tensor4D, style: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, , , c] = x.shape;
    if (style.shape[1] !== 2 * c) throw new Error(`Error in styleMod: style [${style.shape}] for ${c} channels`);
    const ys = tf.reshape(tf.slice(style, [0, 0], [n, c]), [n, 1, 1, c]);
    const yb = tf.reshape(tf.slice(style, [0, c], [n, c]), [n, 1, 1, c]);
    return tf.add(tf.mul(x, tf.add(ys, 1)), yb);
  });
}

/** AdaIN(x, y) = ys * (x - mu(x)) / sigma(x) + yb, the paper's eq. 1. */
export function adaIN(x: tf.Tensor4D, style: tf.Tensor2D, eps = 1e-8): tf.Tensor4D {
  return tf.tidy(() => styleMod(instanceNorm(x, eps), style));
}
