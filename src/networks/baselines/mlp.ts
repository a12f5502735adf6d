/**
 * The fully connected G and D of Goodfellow et al. (2014) as PyTorch-GAN's `gan`, `wgan` and
 * `wgan_gp` write them. G: z -> 128 -> 256 -> 512 -> 1024 (batch norm from 256 on, LeakyReLU 0.2)
 * -> R*R*C, tanh. D: R*R*C -> 512 -> 256 -> 1 (LeakyReLU 0.2); `gan` ends in a sigmoid, the WGAN
 * critics do not. D returns the logit here: the losses apply the sigmoid (BCE from logits).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../params.js';
import type { BaselineConfig } from './config.js';
import { BatchNorm, Linear, leaky } from './layers.js';

const G_WIDTHS = [128, 256, 512, 1024];

export class MlpGenerator {
  readonly store: ParamStore;
  private readonly fc: Linear[] = [];
  private readonly bn: Array<BatchNorm | null> = [];

  constructor(readonly cfg: BaselineConfig, random: () => number) {
    this.store = new ParamStore(random);
    let inF = cfg.zDim;
    G_WIDTHS.forEach((w, i) => {
      this.fc.push(new Linear(this.store, `fc${i}`, inF, w));
      this.bn.push(i === 0 ? null : new BatchNorm(this.store, `bn${i}`, w, { eps: 0.8, track: true }));
      inF = w;
    });
    this.fc.push(new Linear(this.store, `fc${G_WIDTHS.length}`, inF, cfg.imgResolution * cfg.imgResolution * cfg.imgChannels));
  }

  /** z [N, zDim] -> images [N, R, R, C] in [-1, 1]. */
  decode(z: tf.Tensor2D, training: boolean): tf.Tensor4D {
    const { imgResolution: r, imgChannels: c } = this.cfg;
    let x = z;
    G_WIDTHS.forEach((_, i) => {
      x = this.fc[i].forward(x);
      const bn = this.bn[i];
      if (bn) x = bn.forward(x, training);
      x = leaky(x) as tf.Tensor2D;
    });
    return tf.reshape(tf.tanh(this.fc[G_WIDTHS.length].forward(x)), [z.shape[0], r, r, c]);
  }

  dispose(): void {
    this.store.dispose();
  }
}

export class MlpDiscriminator {
  readonly store: ParamStore;
  private readonly fc: Linear[];

  constructor(readonly cfg: BaselineConfig, random: () => number) {
    this.store = new ParamStore(random);
    const inF = cfg.imgResolution * cfg.imgResolution * cfg.imgChannels;
    this.fc = [new Linear(this.store, 'fc0', inF, 512), new Linear(this.store, 'fc1', 512, 256), new Linear(this.store, 'fc2', 256, 1)];
  }

  /** images [N, R, R, C] -> logits [N, 1]. */
  forward(img: tf.Tensor4D): tf.Tensor2D {
    let x = tf.reshape(img, [img.shape[0], -1]) as tf.Tensor2D;
    x = leaky(this.fc[0].forward(x)) as tf.Tensor2D;
    x = leaky(this.fc[1].forward(x)) as tf.Tensor2D;
    return this.fc[2].forward(x);
  }

  dispose(): void {
    this.store.dispose();
  }
}
