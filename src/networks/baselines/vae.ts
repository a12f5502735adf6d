/**
 * The variational autoencoder of Kingma & Welling (2014), sized as pytorch/examples' vae: encoder
 * R*R*C -> 400 (ReLU) -> (mu, log sigma^2) of 20 each; decoder 20 -> 400 (ReLU) -> R*R*C, sigmoid
 * (Bernoulli means of pixels in [0, 1]). Sampling decodes z ~ N(0, I). One store holds both
 * (`encoder.*`, `decoder.*`): the snapshot's G; the VAE has no D.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../params.js';
import type { BaselineConfig } from './config.js';
import { Linear } from './layers.js';

export const VAE_HIDDEN = 400;

export class Vae {
  readonly store: ParamStore;
  private readonly fc1: Linear;
  private readonly fcMu: Linear;
  private readonly fcLogvar: Linear;
  private readonly fc3: Linear;
  private readonly fc4: Linear;

  constructor(readonly cfg: BaselineConfig, random: () => number) {
    this.store = new ParamStore(random);
    const s = this.store, px = cfg.imgResolution * cfg.imgResolution * cfg.imgChannels;
    this.fc1 = new Linear(s, 'encoder.fc1', px, VAE_HIDDEN);
    this.fcMu = new Linear(s, 'encoder.fc21', VAE_HIDDEN, cfg.zDim);
    this.fcLogvar = new Linear(s, 'encoder.fc22', VAE_HIDDEN, cfg.zDim);
    this.fc3 = new Linear(s, 'decoder.fc3', cfg.zDim, VAE_HIDDEN);
    this.fc4 = new Linear(s, 'decoder.fc4', VAE_HIDDEN, px);
  }

  /** images [N, R, R, C] in [-1, 1] -> mu, logvar [N, zDim]. */
  encode(img: tf.Tensor4D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    const h = tf.relu(this.fc1.forward(tf.reshape(img, [img.shape[0], -1])));
    return { mu: this.fcMu.forward(h), logvar: this.fcLogvar.forward(h) };
  }

  /** z [N, zDim] -> pixel logits [N, R*R*C]; sigmoid gives the Bernoulli means in (0, 1). */
  decodeLogits(z: tf.Tensor2D): tf.Tensor2D {
    return this.fc4.forward(tf.relu(this.fc3.forward(z)));
  }

  /** z [N, zDim] -> images [N, R, R, C] in [-1, 1]. */
  decode(z: tf.Tensor2D, _training = false): tf.Tensor4D {
    const { imgResolution: r, imgChannels: c } = this.cfg;
    return tf.reshape(tf.sub(tf.mul(tf.sigmoid(this.decodeLogits(z)), 2), 1), [z.shape[0], r, r, c]);
  }

  dispose(): void {
    this.store.dispose();
  }
}
