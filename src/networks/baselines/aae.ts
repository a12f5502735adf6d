/**
 * The adversarial autoencoder (Makhzani et al. 2016) as PyTorch-GAN's `aae`. Encoder: R*R*C -> 512
 * (LeakyReLU 0.2) -> 512, batch norm, LeakyReLU -> (mu, logvar) of 10, z = mu + e^(logvar/2) eps.
 * Decoder: 10 -> 512 (LeakyReLU) -> 512, batch norm, LeakyReLU -> R*R*C, tanh. One store holds both
 * (`encoder.*`, `decoder.*`; the snapshot's G). D tells prior samples z ~ N(0, I) from codes:
 * 10 -> 512 -> 256 -> 1 (LeakyReLU 0.2; logit, the sigmoid is in the loss).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../params.js';
import type { BaselineConfig } from './config.js';
import { BatchNorm, Linear, leaky } from './layers.js';

const HIDDEN = 512;

export class AdversarialAutoencoder {
  readonly store: ParamStore;
  private readonly enc: { fc0: Linear; fc1: Linear; bn1: BatchNorm; mu: Linear; logvar: Linear };
  private readonly dec: { fc0: Linear; fc1: Linear; bn1: BatchNorm; fc2: Linear };

  constructor(readonly cfg: BaselineConfig, random: () => number) {
    this.store = new ParamStore(random);
    const s = this.store, px = cfg.imgResolution * cfg.imgResolution * cfg.imgChannels;
    this.enc = {
      fc0: new Linear(s, 'encoder.fc0', px, HIDDEN), fc1: new Linear(s, 'encoder.fc1', HIDDEN, HIDDEN),
      bn1: new BatchNorm(s, 'encoder.bn1', HIDDEN), mu: new Linear(s, 'encoder.mu', HIDDEN, cfg.zDim), logvar: new Linear(s, 'encoder.logvar', HIDDEN, cfg.zDim),
    };
    this.dec = {
      fc0: new Linear(s, 'decoder.fc0', cfg.zDim, HIDDEN), fc1: new Linear(s, 'decoder.fc1', HIDDEN, HIDDEN),
      bn1: new BatchNorm(s, 'decoder.bn1', HIDDEN, { track: true }), fc2: new Linear(s, 'decoder.fc2', HIDDEN, px),
    };
  }

  /** images [N, R, R, C] -> mu, logvar [N, zDim] (training mode: batch statistics). */
  encode(img: tf.Tensor4D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    const e = this.enc;
    let x = leaky(e.fc0.forward(tf.reshape(img, [img.shape[0], -1]))) as tf.Tensor2D;
    x = leaky(e.bn1.forward(e.fc1.forward(x), true)) as tf.Tensor2D;
    return { mu: e.mu.forward(x), logvar: e.logvar.forward(x) };
  }

  /** z [N, zDim] -> images [N, R, R, C] in [-1, 1]. */
  decode(z: tf.Tensor2D, training: boolean): tf.Tensor4D {
    const d = this.dec, { imgResolution: r, imgChannels: c } = this.cfg;
    let x = leaky(d.fc0.forward(z)) as tf.Tensor2D;
    x = leaky(d.bn1.forward(d.fc1.forward(x), training)) as tf.Tensor2D;
    return tf.reshape(tf.tanh(d.fc2.forward(x)), [z.shape[0], r, r, c]);
  }

  dispose(): void {
    this.store.dispose();
  }
}

export class LatentDiscriminator {
  readonly store: ParamStore;
  private readonly fc: Linear[];

  constructor(readonly cfg: BaselineConfig, random: () => number) {
    this.store = new ParamStore(random);
    this.fc = [new Linear(this.store, 'fc0', cfg.zDim, 512), new Linear(this.store, 'fc1', 512, 256), new Linear(this.store, 'fc2', 256, 1)];
  }

  /** codes [N, zDim] -> logits [N, 1]. */
  forward(z: tf.Tensor2D): tf.Tensor2D {
    const x = leaky(this.fc[1].forward(leaky(this.fc[0].forward(z)) as tf.Tensor2D)) as tf.Tensor2D;
    return this.fc[2].forward(x);
  }

  dispose(): void {
    this.store.dispose();
  }
}
