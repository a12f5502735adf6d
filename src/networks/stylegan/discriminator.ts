/**
 * StyleGAN discriminator (NVIDIA's D_basic, a mirror of the synthesis network): fromRGB,
 * per resolution [3x3 conv] and [blur + 3x3 conv + 2x downsample], then minibatch stddev,
 * a 3x3 conv, and two dense layers to one logit. Input [N, R, R, C].
 */
import * as tf from '@tensorflow/tfjs-core';
import { type StyleGANConfig, LRELU_GAIN, blockResolutions, channelsAt, useFused } from './config.js';
import { ParamStore } from '../params.js';
import { addBias, equalizedConv2d, equalizedDense, scaledConvWeight } from '../../ops/equalized.js';
import { lrelu } from '../../ops/activation.js';
import { blur2d, conv2dDownsampleFused, downsample2d } from '../../ops/resample.js';
import { minibatchStd } from '../../ops/minibatch-std.js';

type Layer = { weight: tf.Variable; bias: tf.Variable };

export interface DiscriminatorOptions {
  /** Input resolution while growing (default: the full one). */
  res?: number;
  /** Fade-in weight of the newest resolution in [0, 1]. */
  alpha?: number;
}

export class Discriminator {
  readonly store: ParamStore;
  readonly fromrgb = new Map<number, Layer>();
  readonly blocks = new Map<number, { conv0: Layer; conv1: Layer }>();
  readonly final: { conv: Layer; fc0: Layer; out: Layer };

  constructor(readonly cfg: StyleGANConfig, random?: () => number) {
    const s = (this.store = new ParamStore(random));
    const layer = (name: string, shape: number[]): Layer => ({
      weight: s.param(`${name}.weight`, shape, { normal: 1 }),
      bias: s.param(`${name}.bias`, [shape[shape.length - 1]], 'zeros'),
    });
    for (const res of blockResolutions(cfg).reverse()) {
      const c = channelsAt(cfg, res);
      this.fromrgb.set(res, layer(`fromrgb.b${res}`, [1, 1, cfg.imgChannels, c]));
      if (res > 4) {
        this.blocks.set(res, {
          conv0: layer(`b${res}.conv0`, [3, 3, c, c]),
          conv1: layer(`b${res}.conv1`, [3, 3, c, channelsAt(cfg, res / 2)]),
        });
      }
    }
    const c4 = channelsAt(cfg, 4);
    this.final = {
      conv: layer('b4.conv', [3, 3, c4 + cfg.mbstdNumFeatures, c4]),
      // Input order is our NHWC flatten (h, w, c); the TF importer permutes from NCHW.
      fc0: layer('b4.fc0', [16 * c4, channelsAt(cfg, 2)]),
      out: layer('b4.out', [channelsAt(cfg, 2), 1]),
    };
  }

  private fromRGB(img: tf.Tensor4D, res: number): tf.Tensor4D {
    const l = this.fromrgb.get(res)!;
    return lrelu(addBias(equalizedConv2d(img, l.weight as tf.Tensor4D, { gain: LRELU_GAIN }), l.bias as tf.Tensor1D));
  }

  private block(x: tf.Tensor4D, res: number): tf.Tensor4D {
    const { conv0, conv1 } = this.blocks.get(res)!;
    x = lrelu(addBias(equalizedConv2d(x, conv0.weight as tf.Tensor4D, { gain: LRELU_GAIN }), conv0.bias as tf.Tensor1D));
    x = blur2d(x);
    const w1 = conv1.weight as tf.Tensor4D;
    x = useFused(this.cfg, res)
      ? conv2dDownsampleFused(x, scaledConvWeight(w1, { gain: LRELU_GAIN }))
      : downsample2d(equalizedConv2d(x, w1, { gain: LRELU_GAIN }));
    return lrelu(addBias(x, conv1.bias as tf.Tensor1D));
  }

  /** images [N, R, R, C] -> logits [N, 1]. */
  forward(img: tf.Tensor4D, opts: DiscriminatorOptions = {}): tf.Tensor2D {
    return tf.tidy(() => {
      const res = opts.res ?? this.cfg.imgResolution;
      const alpha = opts.alpha ?? 1;
      if (img.shape[1] !== res || img.shape[2] !== res || img.shape[3] !== this.cfg.imgChannels) {
        throw new Error(`Error in discriminator: images [${img.shape}], expected [N, ${res}, ${res}, ${this.cfg.imgChannels}]`);
      }
      let x = this.fromRGB(img, res);
      if (res > 4) {
        x = this.block(x, res);
        if (alpha < 1) {
          // Progressive growing: fade the new block in over the downsampled image's path.
          const lower = this.fromRGB(downsample2d(img), res / 2);
          x = tf.add(lower, tf.mul(tf.sub(x, lower), alpha));
        }
        for (let r = res / 2; r > 4; r /= 2) x = this.block(x, r);
      }
      const n = x.shape[0];
      x = minibatchStd(x, this.cfg.mbstdGroupSize, this.cfg.mbstdNumFeatures);
      const { conv, fc0, out } = this.final;
      x = lrelu(addBias(equalizedConv2d(x, conv.weight as tf.Tensor4D, { gain: LRELU_GAIN }), conv.bias as tf.Tensor1D));
      let h = lrelu(equalizedDense(tf.reshape(x, [n, -1]), fc0.weight as tf.Tensor2D, fc0.bias as tf.Tensor1D, { gain: LRELU_GAIN }));
      h = equalizedDense(h, out.weight as tf.Tensor2D, out.bias as tf.Tensor1D, { gain: 1 });
      return h;
    });
  }

  dispose(): void {
    this.store.dispose();
  }
}
