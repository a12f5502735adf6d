/**
 * Equalized learning rate (ProGAN sec. 4.1): weights are stored raw and scaled at run
 * time by gain * lrMul / sqrt(fanIn), biases by lrMul, as NVIDIA's get_weight/apply_bias.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface EqualizedOpts {
  /** Activation gain folded into the weight scale (sqrt 2 before lrelu, 1 before linear). */
  gain?: number;
  /** Learning-rate multiplier (0.01 in the mapping network). */
  lrMul?: number;
}

/** Runtime weight coefficient for a layer with `fanIn` inputs. */
export function weightScale(fanIn: number, { gain = 1, lrMul = 1 }: EqualizedOpts = {}): number {
  return (gain / Math.sqrt(fanIn)) * lrMul;
}

/** x [N, in] @ w [in, out] + b [out]. */
export function equalizedDense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null, opts: EqualizedOpts = {}): tf.Tensor2D {
  return tf.tidy(() => {
    if (x.shape[1] !== w.shape[0]) throw new Error(`Error in equalizedDense: x [${x.shape}] does not fit w [${w.shape}]`);
    let y = tf.matMul(x, tf.mul(w, weightScale(w.shape[0], opts)));
    if (b) y = tf.add(y, (opts.lrMul ?? 1) === 1 ? b : tf.mul(b, opts.lrMul ?? 1));
    return y as tf.Tensor2D;
  });
}

/** Scaled conv weight [kh, kw, in, out]. */
export function scaledConvWeight(w: tf.Tensor4D, opts: EqualizedOpts = {}): tf.Tensor4D {
  const [kh, kw, cin] = w.shape;
  return tf.mul(w, weightScale(kh * kw * cin, opts));
}

/** 'same' conv of x [N, H, W, in] with w [k, k, in, out] (scaled), no bias. */
export function equalizedConv2d(x: tf.Tensor4D, w: tf.Tensor4D, opts: EqualizedOpts = {}): tf.Tensor4D {
  return tf.tidy(() => {
    if (x.shape[3] !== w.shape[2]) throw new Error(`Error in equalizedConv2d: x [${x.shape}] does not fit w [${w.shape}]`);
    return tf.conv2d(x, scaledConvWeight(w, opts), 1, 'same');
  });
}

/** Adds a per-channel bias [C] to x [..., C] (times lrMul). */
export function addBias<T extends tf.Tensor>(x: T, b: tf.Tensor1D, lrMul = 1): T {
  return tf.tidy(() => tf.add(x, lrMul === 1 ? b : tf.mul(b, lrMul)) as T);
}
