/**
 * BEGAN's discriminator (Berthelot et al. 2017) as PyTorch-GAN's `began`: an autoencoder whose
 * reconstruction error is the energy. Down: conv 3x3 stride 2 to 64 channels, ReLU; a bottleneck
 * Linear 64 (R/2)^2 -> 32, batch norm (eps 0.8), ReLU, Linear 32 -> 64 (R/2)^2, batch norm, ReLU;
 * up: x2 nearest, conv 3x3 to C. G is DCGAN's (dcgan.ts). Conv weights N(0, 0.02), the
 * reference's init (its BatchNorm1d layers keep PyTorch's defaults).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../params.js';
import type { BaselineConfig } from './config.js';
import { BatchNorm, Conv2d, Linear, upsample2x } from './layers.js';
import { DCGAN_CONV_INIT } from './dcgan.js';

export class BeganDiscriminator {
  readonly store: ParamStore;
  private readonly down: Conv2d;
  private readonly fc1: Linear;
  private readonly bn1: BatchNorm;
  private readonly fc2: Linear;
  private readonly bn2: BatchNorm;
  private readonly up: Conv2d;
  readonly downSize: number;

  constructor(readonly cfg: BaselineConfig, random: () => number) {
    this.store = new ParamStore(random);
    const s = this.store;
    this.downSize = cfg.imgResolution / 2;
    const downDim = 64 * this.downSize ** 2;
    this.down = new Conv2d(s, 'down', cfg.imgChannels, 64, 2, DCGAN_CONV_INIT);
    this.fc1 = new Linear(s, 'fc1', downDim, 32);
    this.bn1 = new BatchNorm(s, 'bn1', 32, { eps: 0.8 });
    this.fc2 = new Linear(s, 'fc2', 32, downDim);
    this.bn2 = new BatchNorm(s, 'bn2', downDim);
    this.up = new Conv2d(s, 'up', 64, cfg.imgChannels, 1, DCGAN_CONV_INIT);
  }

  /** images [N, R, R, C] -> reconstructions [N, R, R, C]. */
  forward(img: tf.Tensor4D): tf.Tensor4D {
    const n = img.shape[0], d = this.downSize;
    const h = tf.relu(this.down.forward(img));
    let x = tf.relu(this.bn1.forward(this.fc1.forward(tf.reshape(h, [n, -1])), true));
    x = tf.relu(this.bn2.forward(this.fc2.forward(x), true));
    return this.up.forward(upsample2x(tf.reshape(x, [n, d, d, 64])));
  }

  dispose(): void {
    this.store.dispose();
  }
}
