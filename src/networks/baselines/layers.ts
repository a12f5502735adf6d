/**
 * The PyTorch layers the baselines are made of, NHWC: Linear, Conv2d (3x3, padding 1), BatchNorm,
 * nearest-neighbour x2 upsampling and Dropout2d. Weights are stored as tfjs wants them ([in, out],
 * HWIO); initialisation is PyTorch's default (U(+-1/sqrt(fanIn)) for weight and bias) unless the
 * reference overrides it (DCGAN: conv weights N(0, 0.02), batch-norm scales N(1, 0.02)).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Init, ParamStore } from '../params.js';

export class Linear {
  readonly weight: tf.Variable; // [in, out]
  readonly bias: tf.Variable; // [out]
  constructor(store: ParamStore, name: string, readonly inF: number, readonly outF: number) {
    const bound = 1 / Math.sqrt(inF);
    this.weight = store.param(`${name}.weight`, [inF, outF], { uniform: bound });
    this.bias = store.param(`${name}.bias`, [outF], { uniform: bound });
  }

  /** x [N, in] -> [N, out]. */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.weight), this.bias);
  }
}

export class Conv2d {
  readonly weight: tf.Variable; // [k, k, in, out]
  readonly bias: tf.Variable; // [out]
  constructor(store: ParamStore, name: string, inC: number, outC: number, readonly stride: 1 | 2, weightInit?: Init) {
    const bound = 1 / Math.sqrt(inC * 9);
    this.weight = store.param(`${name}.weight`, [3, 3, inC, outC], weightInit ?? { uniform: bound });
    this.bias = store.param(`${name}.bias`, [outC], { uniform: bound });
  }

  /** 3x3, padding 1: [N, H, W, in] -> [N, H / stride, W / stride, out]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    return tf.add(tf.conv2d(padded, this.weight as tf.Tensor4D, this.stride, 'valid'), this.bias);
  }
}

export interface BatchNormOptions {
  /** PyTorch's eps; PyTorch-GAN writes BatchNorm(n, 0.8), which sets eps = 0.8 (it meant momentum): kept. */
  eps?: number;
  /** Keep running statistics (PyTorch's eval mode uses them): on for generators, which sample in eval mode. */
  track?: boolean;
  /** Scale init; PyTorch's default is ones. */
  weightInit?: Init;
}

/** Batch normalisation over all axes but the last (BatchNorm1d on [N, C], BatchNorm2d on NHWC). */
export class BatchNorm {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean?: tf.Variable;
  readonly runningVar?: tf.Variable;
  readonly eps: number;
  static readonly MOMENTUM = 0.1;

  constructor(store: ParamStore, name: string, readonly features: number, o: BatchNormOptions = {}) {
    this.eps = o.eps ?? 1e-5;
    this.weight = store.param(`${name}.weight`, [features], o.weightInit ?? 'ones');
    this.bias = store.param(`${name}.bias`, [features], 'zeros');
    if (o.track) {
      this.runningMean = store.buffer(`${name}.running_mean`, [features], 'zeros');
      this.runningVar = store.buffer(`${name}.running_var`, [features], 'ones');
    }
  }

  /** Training: batch statistics (and the running ones updated, as PyTorch); eval: running statistics. */
  forward<T extends tf.Tensor>(x: T, training: boolean): T {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    if (!training) {
      if (!this.runningMean || !this.runningVar) throw new Error('BatchNorm: eval mode needs running statistics (track: true)');
      return tf.add(tf.mul(tf.div(tf.sub(x, this.runningMean), tf.sqrt(tf.add(this.runningVar, this.eps))), this.weight), this.bias) as T;
    }
    const { mean, variance } = tf.moments(x, axes);
    if (this.runningMean && this.runningVar) {
      // Running variance is the unbiased one (n / (n - 1)), as torch.nn.BatchNorm.
      const n = x.size / this.features, m = BatchNorm.MOMENTUM;
      const rm = this.runningMean, rv = this.runningVar;
      tf.tidy(() => {
        rm.assign(tf.add(tf.mul(rm, 1 - m), tf.mul(mean, m)));
        rv.assign(tf.add(tf.mul(rv, 1 - m), tf.mul(variance, (m * n) / Math.max(n - 1, 1))));
      });
    }
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.eps))), this.weight), this.bias) as T;
  }
}

/** Nearest-neighbour x2 (nn.Upsample(scale_factor=2)): columns then rows repeated by rank-4 tiles (tile's gradient stops at rank 4). */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const cols = tf.reshape(tf.tile(tf.reshape(x, [n * h, w, 1, c]), [1, 1, 2, 1]), [n, h, 1, 2 * w * c]);
  return tf.reshape(tf.tile(cols, [1, 1, 2, 1]), [n, 2 * h, 2 * w, c]);
}

/** nn.Dropout2d(p) in training mode: whole channels zeroed with probability p, the rest scaled by 1 / (1 - p). */
export function dropout2d(x: tf.Tensor4D, p: number, random: () => number): tf.Tensor4D {
  const [n, , , c] = x.shape;
  const keep = Float32Array.from({ length: n * c }, () => (random() >= p ? 1 / (1 - p) : 0));
  return tf.mul(x, tf.tensor4d(keep, [n, 1, 1, c]));
}

/** LeakyReLU(0.2): max(x, 0.2 x), written to stay twice differentiable (gradient penalties). */
export function leaky(x: tf.Tensor, alpha = 0.2): tf.Tensor {
  return tf.add(tf.mul(x, (1 + alpha) / 2), tf.mul(tf.abs(x), (1 - alpha) / 2));
}
