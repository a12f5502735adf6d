/**
 * DCGAN (Radford et al. 2016) as PyTorch-GAN's `dcgan` writes it (also `lsgan`, `dragan`, and
 * BEGAN's G). G: Linear z -> 128 x (R/4)^2, [batch norm], (x2 nearest, conv 3x3, batch norm,
 * LeakyReLU 0.2) twice to 128 then 64 channels, conv 3x3 to C, tanh. D: four stride-2 conv 3x3
 * blocks 16-32-64-128 (LeakyReLU 0.2, Dropout2d 0.25, batch norm from the second), Linear
 * 128 x (R/16)^2 -> 1 (logit; `dcgan` and `dragan` add the sigmoid, `lsgan` does not). Conv weights
 * N(0, 0.02) and batch-norm scales N(1, 0.02), the reference's weights_init_normal.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParamStore, type Init } from '../params.js';
import type { BaselineConfig } from './config.js';
import { BatchNorm, Conv2d, Linear, dropout2d, leaky, upsample2x } from './layers.js';

export const DCGAN_CONV_INIT: Init = { normal: 0.02 };
export const DCGAN_BN_INIT: Init = { normal: 0.02, mean: 1 };

export interface DcganGeneratorOptions {
  /** The BatchNorm2d(128) right after the linear layer (dcgan, dragan, began: yes; lsgan: no). */
  inputNorm: boolean;
}

export class DcganGenerator {
  readonly store: ParamStore;
  readonly initSize: number;
  private readonly l1: Linear;
  private readonly bn0: BatchNorm | null;
  private readonly conv: Conv2d[];
  private readonly bn: BatchNorm[];

  constructor(readonly cfg: BaselineConfig, random: () => number, o: DcganGeneratorOptions) {
    this.store = new ParamStore(random);
    const s = this.store;
    this.initSize = cfg.imgResolution / 4;
    this.l1 = new Linear(s, 'l1', cfg.zDim, 128 * this.initSize ** 2);
    this.bn0 = o.inputNorm ? new BatchNorm(s, 'bn0', 128, { track: true, weightInit: DCGAN_BN_INIT }) : null;
    this.conv = [new Conv2d(s, 'conv1', 128, 128, 1, DCGAN_CONV_INIT), new Conv2d(s, 'conv2', 128, 64, 1, DCGAN_CONV_INIT), new Conv2d(s, 'conv3', 64, cfg.imgChannels, 1, DCGAN_CONV_INIT)];
    this.bn = [new BatchNorm(s, 'bn1', 128, { eps: 0.8, track: true, weightInit: DCGAN_BN_INIT }), new BatchNorm(s, 'bn2', 64, { eps: 0.8, track: true, weightInit: DCGAN_BN_INIT })];
  }

  /** z [N, zDim] -> images [N, R, R, C] in [-1, 1]. */
  decode(z: tf.Tensor2D, training: boolean): tf.Tensor4D {
    const n = z.shape[0], s = this.initSize;
    let x = tf.reshape(this.l1.forward(z), [n, s, s, 128]) as tf.Tensor4D;
    if (this.bn0) x = this.bn0.forward(x, training);
    for (let i = 0; i < 2; i++) {
      x = this.conv[i].forward(upsample2x(x));
      x = leaky(this.bn[i].forward(x, training)) as tf.Tensor4D;
    }
    return tf.tanh(this.conv[2].forward(x));
  }

  dispose(): void {
    this.store.dispose();
  }
}

export interface DiscriminatorForwardOptions {
  /** Dropout2d's randomness (training); none = no dropout (tests, evaluation). */
  dropout?: () => number;
}

export class DcganDiscriminator {
  readonly store: ParamStore;
  private readonly conv: Conv2d[];
  private readonly bn: Array<BatchNorm | null>;
  private readonly adv: Linear;

  constructor(readonly cfg: BaselineConfig, random: () => number) {
    this.store = new ParamStore(random);
    const s = this.store, widths = [16, 32, 64, 128];
    let inC = cfg.imgChannels;
    this.conv = widths.map((w, i) => {
      const c = new Conv2d(s, `conv${i}`, inC, w, 2, DCGAN_CONV_INIT);
      inC = w;
      return c;
    });
    // D only ever runs in training mode (as the reference): no running statistics.
    this.bn = widths.map((w, i) => (i === 0 ? null : new BatchNorm(s, `bn${i}`, w, { eps: 0.8, weightInit: DCGAN_BN_INIT })));
    const ds = cfg.imgResolution / 16;
    this.adv = new Linear(s, 'adv', 128 * ds * ds, 1);
  }

  /** images [N, R, R, C] -> logits [N, 1]. */
  forward(img: tf.Tensor4D, o: DiscriminatorForwardOptions = {}): tf.Tensor2D {
    let x = img;
    this.conv.forEach((conv, i) => {
      x = leaky(conv.forward(x)) as tf.Tensor4D;
      if (o.dropout) x = dropout2d(x, 0.25, o.dropout);
      const bn = this.bn[i];
      if (bn) x = bn.forward(x, true);
    });
    return this.adv.forward(tf.reshape(x, [img.shape[0], -1]));
  }

  dispose(): void {
    this.store.dispose();
  }
}
