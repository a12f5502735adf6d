/**
 * StyleGAN synthesis network g (paper fig. 1b; NVIDIA's G_synthesis): a learned 4x4 constant,
 * then per resolution [upsample + 3x3 conv + blur] and [3x3 conv], each followed by the layer
 * epilogue noise -> bias -> lrelu -> instance norm -> style modulation (AdaIN); toRGB per
 * resolution for progressive growing. Activations [N, H, W, C].
 */
import * as tf from '@tensorflow/tfjs-core';
import { type StyleGANConfig, LRELU_GAIN, blockResolutions, channelsAt, useFused } from './config.js';
import type { ParamStore } from '../params.js';
import { addBias, equalizedConv2d, equalizedDense, scaledConvWeight } from '../../ops/equalized.js';
import { lrelu } from '../../ops/activation.js';
import { adaIN } from '../../ops/norm.js';
import { addNoise } from '../../ops/noise.js';
import { randomNormal } from '../../ops/random.js';
import { blur2d, upsample2d, upsampleConv2dFused } from '../../ops/resample.js';

export type NoiseMode = 'const' | 'random' | 'none';

export interface SynthesisOptions {
  /** 'const': the stored noise maps; 'random': fresh N(0, 1); 'none': no noise. */
  noiseMode?: NoiseMode;
  /** Explicit noise per layer [N|1, R, R, 1] (overrides noiseMode where given). */
  noise?: Array<tf.Tensor4D | null | undefined>;
  /** Seed for 'random' noise (deterministic training). */
  noiseSeed?: number;
  /** Output resolution while growing (default: the full one). */
  res?: number;
  /** Fade-in weight of the newest resolution, in [0, 1] (1 = fully grown). */
  alpha?: number;
}

interface StyledLayer {
  res: number;
  channels: number;
  index: number;
  weight?: tf.Variable;
  bias: tf.Variable;
  noiseStrength: tf.Variable;
  noiseConst: tf.Variable;
  styleWeight: tf.Variable;
  styleBias: tf.Variable;
}

interface Block {
  res: number;
  conv0: StyledLayer;
  conv1: StyledLayer;
  torgb: { weight: tf.Variable; bias: tf.Variable };
}

export class SynthesisNetwork {
  readonly blocks: Block[] = [];
  readonly numWs: number;
  readonly constInput: tf.Variable;

  constructor(readonly cfg: StyleGANConfig, store: ParamStore) {
    const resolutions = blockResolutions(cfg);
    this.numWs = resolutions.length * 2;
    this.constInput = store.param('synthesis.b4.const', [1, 4, 4, channelsAt(cfg, 4)], 'ones');
    let cin = channelsAt(cfg, 4);
    for (const res of resolutions) {
      const c = channelsAt(cfg, res);
      const layer = (name: string, index: number, inCh: number | null): StyledLayer => {
        const p = `synthesis.b${res}.${name}`;
        return {
          res, channels: c, index,
          weight: inCh === null ? undefined : store.param(`${p}.weight`, [3, 3, inCh, c], { normal: 1 }),
          bias: store.param(`${p}.bias`, [c], 'zeros'),
          noiseStrength: store.param(`${p}.noiseStrength`, [c], 'zeros'),
          noiseConst: store.buffer(`${p}.noiseConst`, [1, res, res, 1], { normal: 1 }),
          styleWeight: store.param(`${p}.style.weight`, [cfg.wDim, 2 * c], { normal: 1 }),
          styleBias: store.param(`${p}.style.bias`, [2 * c], 'zeros'),
        };
      };
      const i = this.blocks.length * 2;
      this.blocks.push({
        res,
        conv0: layer('conv0', i, res === 4 ? null : cin),
        conv1: layer('conv1', i + 1, c),
        torgb: {
          weight: store.param(`synthesis.b${res}.torgb.weight`, [1, 1, c, cfg.imgChannels], { normal: 1 }),
          bias: store.param(`synthesis.b${res}.torgb.bias`, [cfg.imgChannels], 'zeros'),
        },
      });
      cin = c;
    }
  }

  /** Noise -> bias -> lrelu -> AdaIN with style i (NVIDIA's layer_epilogue). */
  private epilogue(x: tf.Tensor4D, layer: StyledLayer, ws: tf.Tensor3D, opts: SynthesisOptions): tf.Tensor4D {
    const n = x.shape[0];
    const explicit = opts.noise?.[layer.index];
    const mode = opts.noiseMode ?? 'random';
    if (explicit) x = addNoise(x, explicit, layer.noiseStrength as tf.Tensor1D);
    else if (mode === 'const') x = addNoise(x, layer.noiseConst as tf.Tensor4D, layer.noiseStrength as tf.Tensor1D);
    else if (mode === 'random') {
      const seed = opts.noiseSeed === undefined ? undefined : opts.noiseSeed + layer.index * 7919;
      x = addNoise(x, randomNormal([n, layer.res, layer.res, 1], seed) as tf.Tensor4D, layer.noiseStrength as tf.Tensor1D);
    }
    x = lrelu(addBias(x, layer.bias as tf.Tensor1D));
    const w = tf.reshape(tf.slice(ws, [0, layer.index, 0], [n, 1, -1]), [n, -1]) as tf.Tensor2D;
    const style = equalizedDense(w, layer.styleWeight as tf.Tensor2D, layer.styleBias as tf.Tensor1D, { gain: 1 });
    return adaIN(x, style);
  }

  private block(x: tf.Tensor4D | null, b: Block, ws: tf.Tensor3D, opts: SynthesisOptions): tf.Tensor4D {
    const n = ws.shape[0];
    if (b.res === 4) {
      x = tf.tile(this.constInput, [n, 1, 1, 1]) as tf.Tensor4D;
    } else {
      const w0 = b.conv0.weight as tf.Tensor4D;
      x = useFused(this.cfg, b.res)
        ? upsampleConv2dFused(x!, scaledConvWeight(w0, { gain: LRELU_GAIN }))
        : equalizedConv2d(upsample2d(x!), w0, { gain: LRELU_GAIN });
      x = blur2d(x);
    }
    x = this.epilogue(x, b.conv0, ws, opts);
    x = equalizedConv2d(x, b.conv1.weight as tf.Tensor4D, { gain: LRELU_GAIN });
    return this.epilogue(x, b.conv1, ws, opts);
  }

  private toRGB(x: tf.Tensor4D, b: Block): tf.Tensor4D {
    return addBias(equalizedConv2d(x, b.torgb.weight as tf.Tensor4D, { gain: 1 }), b.torgb.bias as tf.Tensor1D);
  }

  /** ws [N, numWs, wDim] -> images [N, R, R, C] in about [-1, 1]. */
  forward(ws: tf.Tensor3D, opts: SynthesisOptions = {}): tf.Tensor4D {
    return tf.tidy(() => {
      if (ws.shape[1] !== this.numWs || ws.shape[2] !== this.cfg.wDim) {
        throw new Error(`Error in synthesis: ws [${ws.shape}], expected [N, ${this.numWs}, ${this.cfg.wDim}]`);
      }
      const res = opts.res ?? this.cfg.imgResolution;
      const alpha = opts.alpha ?? 1;
      let x: tf.Tensor4D | null = null;
      let prev: tf.Tensor4D | null = null;
      for (const b of this.blocks) {
        if (b.res > res) break;
        prev = x;
        x = this.block(x, b, ws, opts);
      }
      const last = this.blocks.find((b) => b.res === res);
      if (!last) throw new Error(`Error in synthesis: no block at resolution ${res}`);
      const img = this.toRGB(x!, last);
      if (alpha >= 1 || res === 4) return img;
      // Progressive growing: fade the new resolution in over the upsampled previous output.
      const lower = upsample2d(this.toRGB(prev!, this.blocks.find((b) => b.res === res / 2)!));
      return tf.add(lower, tf.mul(tf.sub(img, lower), alpha));
    });
  }
}
