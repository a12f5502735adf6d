/**
 * StyleGAN2 Discriminator (training/networks.py): DiscriminatorBlocks from the top resolution
 * down to 8 ('resnet': conv0, strided FIR conv1, and a 1x1 FIR-downsampled skip, each branch
 * scaled by sqrt(1/2)), then the epilogue at 4x4 (minibatch stddev, conv, fc, out) and, with
 * labels, the projection onto the mapped label. Images [N, R, R, C]; all in fp32.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StyleGAN2Config } from './config.js';
import { ParamStore } from '../params.js';
import { minibatchStd } from '../../ops/minibatch-std.js';
import { type Fir, downsample2d, setupFilter } from './ops.js';
import { Conv2dLayer, FullyConnectedLayer, channelsAt } from './layers.js';
import { MappingNetwork } from './mapping.js';

class DiscriminatorBlock {
  readonly fromrgb: Conv2dLayer | null = null;
  readonly conv0: Conv2dLayer;
  readonly conv1: Conv2dLayer;
  readonly skip: Conv2dLayer | null = null;

  constructor(store: ParamStore, readonly cfg: StyleGAN2Config, readonly inChannels: number, tmp: number, out: number,
    readonly resolution: number, readonly filter: Fir) {
    const d = cfg.discriminator, name = `b${resolution}`, convClamp = d.convClamp;
    if (inChannels === 0 || d.architecture === 'skip') {
      this.fromrgb = new Conv2dLayer(store, `${name}.fromrgb`, cfg.imgChannels, tmp, 1, { activation: 'lrelu', filter, convClamp });
    }
    this.conv0 = new Conv2dLayer(store, `${name}.conv0`, tmp, tmp, 3, { activation: 'lrelu', filter, convClamp });
    this.conv1 = new Conv2dLayer(store, `${name}.conv1`, tmp, out, 3, { activation: 'lrelu', down: 2, filter, convClamp });
    if (d.architecture === 'resnet') this.skip = new Conv2dLayer(store, `${name}.skip`, tmp, out, 1, { bias: false, down: 2, filter });
  }

  forward(xIn: tf.Tensor4D | null, img: tf.Tensor4D | null): [tf.Tensor4D, tf.Tensor4D | null] {
    let x = xIn;
    if (this.fromrgb) {
      const y = this.fromrgb.forward(img!);
      x = x ? (tf.add(x, y) as tf.Tensor4D) : y;
      img = this.cfg.discriminator.architecture === 'skip' ? downsample2d(img!, this.filter) : null;
    }
    if (this.skip) {
      const y = this.skip.forward(x!, Math.SQRT1_2);
      return [tf.add(y, this.conv1.forward(this.conv0.forward(x!), Math.SQRT1_2)) as tf.Tensor4D, img];
    }
    return [this.conv1.forward(this.conv0.forward(x!)), img];
  }
}

export class StyleGAN2Discriminator {
  readonly store: ParamStore;
  readonly blocks: DiscriminatorBlock[] = [];
  readonly mapping: MappingNetwork | null = null;
  readonly epilogue: { fromrgb: Conv2dLayer | null; conv: Conv2dLayer; fc: FullyConnectedLayer; out: FullyConnectedLayer };
  readonly cmapDim: number;

  constructor(readonly cfg: StyleGAN2Config, random?: () => number) {
    const s = (this.store = new ParamStore(random));
    const d = cfg.discriminator, filter = setupFilter(d.resampleFilter);
    const ch = (res: number) => channelsAt(d.channelBase, d.channelMax, res);
    for (let res = cfg.imgResolution; res > 4; res /= 2) {
      this.blocks.push(new DiscriminatorBlock(s, cfg, res < cfg.imgResolution ? ch(res) : 0, ch(res), ch(res / 2), res, filter));
    }
    this.cmapDim = cfg.cDim > 0 ? d.cmapDim : 0;
    if (cfg.cDim > 0) {
      this.mapping = new MappingNetwork({
        zDim: 0, cDim: cfg.cDim, wDim: this.cmapDim, numWs: null, numLayers: d.mappingLayers,
        embedFeatures: this.cmapDim, layerFeatures: this.cmapDim, lrMultiplier: d.mappingLrMultiplier,
      }, s);
    }
    const c4 = ch(4), convClamp = d.convClamp;
    this.epilogue = {
      fromrgb: d.architecture === 'skip' ? new Conv2dLayer(s, 'b4.fromrgb', cfg.imgChannels, c4, 1, { activation: 'lrelu', filter }) : null,
      conv: new Conv2dLayer(s, 'b4.conv', c4 + d.mbstdNumChannels, c4, 3, { activation: 'lrelu', filter, convClamp }),
      // Rows in our NHWC flatten order (h, w, c); the importer permutes NVIDIA's (c, h, w).
      fc: new FullyConnectedLayer(s, 'b4.fc', c4 * 16, c4, { activation: 'lrelu' }),
      out: new FullyConnectedLayer(s, 'b4.out', c4, this.cmapDim === 0 ? 1 : this.cmapDim),
    };
  }

  /** images [N, R, R, C] (and labels [N, cDim]) -> logits [N, 1]. */
  forward(img: tf.Tensor4D, c: tf.Tensor2D | null = null): tf.Tensor2D {
    return tf.tidy(() => {
      const { imgResolution: r, imgChannels } = this.cfg;
      if (img.shape[1] !== r || img.shape[2] !== r || img.shape[3] !== imgChannels) {
        throw new Error(`Error in discriminator: images [${img.shape}], expected [N, ${r}, ${r}, ${imgChannels}]`);
      }
      let x: tf.Tensor4D | null = null, im: tf.Tensor4D | null = img;
      for (const b of this.blocks) [x, im] = b.forward(x, im);
      const e = this.epilogue, d = this.cfg.discriminator, n = img.shape[0];
      if (e.fromrgb) x = tf.add(x!, e.fromrgb.forward(im!)) as tf.Tensor4D;
      if (d.mbstdNumChannels > 0) x = minibatchStd(x!, d.mbstdGroupSize ?? n, d.mbstdNumChannels);
      x = e.conv.forward(x!);
      let out = e.out.forward(e.fc.forward(tf.reshape(x, [n, -1]) as tf.Tensor2D));
      if (this.mapping) {
        const cmap = this.mapping.forwardW(null, c);
        out = tf.mul(tf.sum(tf.mul(out, cmap), 1, true), 1 / Math.sqrt(this.cmapDim)) as tf.Tensor2D;
      }
      return out;
    });
  }

  dispose(): void {
    this.store.dispose();
  }
}
