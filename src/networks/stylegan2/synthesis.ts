/**
 * StyleGAN2 SynthesisNetwork (training/networks.py): a learned 4x4 const, then per resolution
 * SynthesisBlocks of modulated 3x3 convs (the first upsampling 2x), noise, bias + lrelu +
 * clamp, and ToRGB layers whose outputs are summed over upsampled resolutions ('skip').
 * Activations [N, H, W, C]; every block runs in fp32 (NVIDIA's fp16 blocks included).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StyleGAN2Config } from './config.js';
import type { ParamStore } from '../params.js';
import { type Fir, ACT_GAIN, biasAct, modulatedConv2d, setupFilter, upsample2d } from './ops.js';
import { randomNormal } from '../../ops/random.js';
import { Conv2dLayer, FullyConnectedLayer, channelsAt } from './layers.js';

export type NoiseMode = 'const' | 'random' | 'none';

export interface Synthesis2Options {
  /** 'const': the stored noise_const maps; 'random': fresh N(0, 1) (default, as NVIDIA's); 'none'. */
  noiseMode?: NoiseMode;
  /** Seed for 'random' noise. */
  noiseSeed?: number;
}

class SynthesisLayer {
  readonly affine: FullyConnectedLayer;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly noiseStrength: tf.Variable | null;
  readonly noiseConst: tf.Variable | null;

  constructor(store: ParamStore, name: string, cin: number, cout: number, wDim: number, readonly resolution: number,
    readonly up: number, readonly filter: Fir, readonly convClamp: number | null, useNoise: boolean) {
    this.affine = new FullyConnectedLayer(store, `${name}.affine`, wDim, cin, { biasInit: 1 });
    this.weight = store.param(`${name}.weight`, [3, 3, cin, cout], { normal: 1 });
    this.noiseStrength = useNoise ? store.param(`${name}.noiseStrength`, [], 'zeros') : null;
    this.noiseConst = useNoise ? store.buffer(`${name}.noiseConst`, [resolution, resolution], { normal: 1 }) : null;
    this.bias = store.param(`${name}.bias`, [cout], 'zeros');
  }

  forward(x: tf.Tensor4D, w: tf.Tensor2D, opts: Synthesis2Options, seed: number, gain = 1): tf.Tensor4D {
    return tf.tidy(() => {
      const styles = this.affine.forward(w);
      const r = this.resolution, mode = opts.noiseMode ?? 'random';
      let noise: tf.Tensor4D | null = null;
      if (this.noiseStrength && mode === 'random') {
        const s = opts.noiseSeed === undefined ? undefined : opts.noiseSeed + seed * 7919;
        noise = tf.mul(randomNormal([x.shape[0], r, r, 1], s), this.noiseStrength) as tf.Tensor4D;
      } else if (this.noiseStrength && this.noiseConst && mode === 'const') {
        noise = tf.mul(tf.reshape(this.noiseConst, [1, r, r, 1]), this.noiseStrength) as tf.Tensor4D;
      }
      const y = modulatedConv2d(x, this.weight as tf.Tensor4D, styles, this.filter, { noise, up: this.up, padding: 1, flipWeight: this.up === 1 });
      return biasAct(y, this.bias, 'lrelu', ACT_GAIN.lrelu * gain, this.convClamp === null ? null : this.convClamp * gain);
    });
  }
}

class ToRGBLayer {
  readonly affine: FullyConnectedLayer;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly weightGain: number;

  constructor(store: ParamStore, name: string, cin: number, imgChannels: number, wDim: number, readonly convClamp: number | null) {
    this.affine = new FullyConnectedLayer(store, `${name}.affine`, wDim, cin, { biasInit: 1 });
    this.weight = store.param(`${name}.weight`, [1, 1, cin, imgChannels], { normal: 1 });
    this.bias = store.param(`${name}.bias`, [imgChannels], 'zeros');
    this.weightGain = 1 / Math.sqrt(cin);
  }

  forward(x: tf.Tensor4D, w: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      const styles = tf.mul(this.affine.forward(w), this.weightGain) as tf.Tensor2D;
      const y = modulatedConv2d(x, this.weight as tf.Tensor4D, styles, null, { demodulate: false });
      return biasAct(y, this.bias, 'linear', 1, this.convClamp);
    });
  }
}

class SynthesisBlock {
  readonly const: tf.Variable | null = null;
  readonly conv0: SynthesisLayer | null = null;
  readonly conv1: SynthesisLayer;
  readonly torgb: ToRGBLayer | null = null;
  readonly skip: Conv2dLayer | null = null;
  readonly numConv: number;
  readonly numTorgb: number;

  constructor(store: ParamStore, readonly cfg: StyleGAN2Config, readonly inChannels: number, outChannels: number, readonly resolution: number,
    readonly isLast: boolean, readonly filter: Fir) {
    const s = cfg.synthesis, name = `synthesis.b${resolution}`;
    if (inChannels === 0) this.const = store.param(`${name}.const`, [resolution, resolution, outChannels], { normal: 1 });
    else this.conv0 = new SynthesisLayer(store, `${name}.conv0`, inChannels, outChannels, cfg.wDim, resolution, 2, filter, s.convClamp, s.useNoise);
    this.conv1 = new SynthesisLayer(store, `${name}.conv1`, outChannels, outChannels, cfg.wDim, resolution, 1, filter, s.convClamp, s.useNoise);
    if (isLast || s.architecture === 'skip') this.torgb = new ToRGBLayer(store, `${name}.torgb`, outChannels, cfg.imgChannels, cfg.wDim, s.convClamp);
    if (inChannels !== 0 && s.architecture === 'resnet') {
      this.skip = new Conv2dLayer(store, `${name}.skip`, inChannels, outChannels, 1, { bias: false, up: 2, filter });
    }
    this.numConv = inChannels === 0 ? 1 : 2;
    this.numTorgb = this.torgb ? 1 : 0;
  }

  /** ws [N, numConv + numTorgb, wDim]. */
  forward(xIn: tf.Tensor4D | null, img: tf.Tensor4D | null, ws: tf.Tensor3D, opts: Synthesis2Options, layerSeed: number): [tf.Tensor4D, tf.Tensor4D | null] {
    const n = ws.shape[0];
    let x: tf.Tensor4D;
    const w = (i: number) => tf.reshape(tf.slice(ws, [0, i, 0], [n, 1, -1]), [n, -1]) as tf.Tensor2D;
    const arch = this.cfg.synthesis.architecture;
    if (this.const) {
      x = tf.tile(tf.expandDims(this.const, 0), [n, 1, 1, 1]) as tf.Tensor4D;
      x = this.conv1.forward(x, w(0), opts, layerSeed);
    } else if (arch === 'resnet') {
      const y = this.skip!.forward(xIn!, Math.SQRT1_2);
      const h = this.conv0!.forward(xIn!, w(0), opts, layerSeed);
      x = tf.add(y, this.conv1.forward(h, w(1), opts, layerSeed + 1, Math.SQRT1_2)) as tf.Tensor4D;
    } else {
      x = this.conv1.forward(this.conv0!.forward(xIn!, w(0), opts, layerSeed), w(1), opts, layerSeed + 1);
    }
    if (img) img = upsample2d(img, this.filter);
    if (this.torgb) {
      const y = this.torgb.forward(x, w(this.numConv));
      img = img ? (tf.add(img, y) as tf.Tensor4D) : y;
    }
    return [x, img];
  }
}

export class SynthesisNetwork2 {
  readonly blocks: SynthesisBlock[] = [];
  readonly numWs: number;

  constructor(readonly cfg: StyleGAN2Config, store: ParamStore) {
    const s = cfg.synthesis, filter = setupFilter(s.resampleFilter);
    let numWs = 0;
    for (let res = 4; res <= cfg.imgResolution; res *= 2) {
      const cin = res > 4 ? channelsAt(s.channelBase, s.channelMax, res / 2) : 0;
      const block = new SynthesisBlock(store, cfg, cin, channelsAt(s.channelBase, s.channelMax, res), res, res === cfg.imgResolution, filter);
      numWs += block.numConv + (res === cfg.imgResolution ? block.numTorgb : 0);
      this.blocks.push(block);
    }
    this.numWs = numWs;
  }

  /** ws [N, numWs, wDim] -> images [N, R, R, imgChannels] in about [-1, 1]. */
  forward(ws: tf.Tensor3D, opts: Synthesis2Options = {}): tf.Tensor4D {
    return tf.tidy(() => {
      if (ws.shape[1] !== this.numWs || ws.shape[2] !== this.cfg.wDim) {
        throw new Error(`Error in synthesis: ws [${ws.shape}], expected [N, ${this.numWs}, ${this.cfg.wDim}]`);
      }
      let x: tf.Tensor4D | null = null, img: tf.Tensor4D | null = null;
      let wIdx = 0;
      for (const b of this.blocks) {
        // Consecutive blocks share a w: a block's ToRGB uses the next block's first w.
        const cur = tf.slice(ws, [0, wIdx, 0], [-1, b.numConv + b.numTorgb, -1]) as tf.Tensor3D;
        [x, img] = b.forward(x, img, cur, opts, wIdx);
        wIdx += b.numConv;
      }
      return img!;
    });
  }
}
