/**
 * Path length regularization (Karras et al. 2020, sec. 3.2; stylegan2-ada-pytorch's
 * StyleGAN2Loss, phase Greg): lengths of J_w^T y for random image-space y, pulled towards
 * their running mean. Built from differentiable ops, so the penalty has gradients with
 * respect to G's weights (a gradient of a gradient).
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Per-sample path lengths sqrt(mean over styles of ||d(sum(img * plNoise)) / dw||^2), [N].
 * `synth` maps ws [N, numWs, wDim] to images; plNoise has the images' shape (already divided
 * by sqrt(H * W), as NVIDIA's).
 */
export function pathLengths(synth: (ws: tf.Tensor3D) => tf.Tensor4D, ws: tf.Tensor3D, plNoise: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const g = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(synth(w as tf.Tensor3D), plNoise)))(ws);
    return tf.sqrt(tf.mean(tf.sum(tf.square(g), 2), 1)) as tf.Tensor1D;
  });
}

export interface PathLengthTerms {
  /** mean((lengths - pl_mean')^2), before the weight. */
  penalty: tf.Scalar;
  /** pl_mean' = lerp(pl_mean, mean(lengths), decay): the new running mean (differentiable, as NVIDIA's). */
  plMean: tf.Scalar;
}

/** NVIDIA's pl_mean.lerp(pl_lengths.mean(), pl_decay) and (pl_lengths - pl_mean)^2, averaged over the batch. */
export function pathLengthPenalty(lengths: tf.Tensor1D, plMean: number, decay: number): PathLengthTerms {
  return tf.tidy(() => {
    const a = tf.scalar(plMean);
    const mean = tf.add(a, tf.mul(tf.sub(tf.mean(lengths), a), decay)) as tf.Scalar;
    return { penalty: tf.mean(tf.square(tf.sub(lengths, mean))) as tf.Scalar, plMean: mean };
  });
}
