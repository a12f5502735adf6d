/**
 * StyleGAN3's modulated_conv2d (training/networks_stylegan3.py): unlike StyleGAN2's it
 * pre-normalises weight and styles before demodulating, scales the input channels by the input
 * gain (1/sqrt of the tracked input magnitude), and pads by kernel-1 (a "full" convolution, so
 * the 3x3 layers grow the image by 2 before filtered_lrelu crops it). Computed in the non-fused
 * form (scale activations, one shared-weight conv, scale outputs): the same value as NVIDIA's
 * grouped convolution.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface ModulatedConv3Options {
  demodulate: boolean;
  /** Scalar (or [N, in]) factor on the input channels, or null. */
  inputGain: tf.Tensor | null;
}

/** x [N, H, W, in], weight [k, k, in, out] (raw), styles [N, in] -> [N, H + k - 1, W + k - 1, out]. */
export function modulatedConv2d3(x: tf.Tensor4D, weight: tf.Tensor4D, styles: tf.Tensor2D, { demodulate, inputGain }: ModulatedConv3Options): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, , , cin] = x.shape;
    const [kh, kw, win, cout] = weight.shape;
    if (win !== cin || styles.shape[0] !== n || styles.shape[1] !== cin) {
      throw new Error(`Error in modulatedConv2d3: x [${x.shape}], weight [${weight.shape}], styles [${styles.shape}]`);
    }
    let w = weight, s = styles;
    if (demodulate) {
      // Pre-normalise: w by its RMS per output channel, s by its RMS over the whole batch (as NVIDIA).
      w = tf.mul(w, tf.rsqrt(tf.mean(tf.square(w), [0, 1, 2], true))) as tf.Tensor4D;
      s = tf.mul(s, tf.rsqrt(tf.mean(tf.square(s))));
    }
    const scale = inputGain ? tf.mul(s, inputGain) : s;
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]];
    let y = tf.conv2d(tf.mul(x, tf.reshape(scale, [n, 1, 1, cin])) as tf.Tensor4D, w, 1, kh > 1 || kw > 1 ? pad : 'valid');
    if (demodulate) {
      // sum over (in, kh, kw) of (w s)^2 = s^2 @ sum_k w^2 (the input gain comes after, as NVIDIA's).
      const w2 = tf.sum(tf.square(w), [0, 1]) as tf.Tensor2D; // [in, out]
      const dcoefs = tf.rsqrt(tf.add(tf.matMul(tf.square(s), w2), 1e-8));
      y = tf.mul(y, tf.reshape(dcoefs, [n, 1, 1, cout]));
    }
    return y as tf.Tensor4D;
  });
}
