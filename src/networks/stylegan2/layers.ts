/** Parameter-holding building blocks shared by the StyleGAN2 networks (training/networks.py). */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';
import { type Activation, type Fir, ACT_GAIN, biasAct, conv2dResample, fullyConnected } from './ops.js';

/** FullyConnectedLayer: weight [in, out] stored as N(0, 1) / lrMultiplier, gains applied at run time. */
export class FullyConnectedLayer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly weightGain: number;
  constructor(store: ParamStore, name: string, readonly inFeatures: number, readonly outFeatures: number,
    readonly opts: { bias?: boolean; activation?: Activation; lrMultiplier?: number; biasInit?: 0 | 1 } = {}) {
    const lr = opts.lrMultiplier ?? 1;
    this.weight = store.param(`${name}.weight`, [inFeatures, outFeatures], { normal: 1 / lr });
    this.bias = opts.bias === false ? null : store.param(`${name}.bias`, [outFeatures], opts.biasInit === 1 ? 'ones' : 'zeros');
    this.weightGain = lr / Math.sqrt(inFeatures);
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return fullyConnected(x, this.weight as tf.Tensor2D, this.bias as tf.Tensor1D | null, {
      weightGain: this.weightGain, biasGain: this.opts.lrMultiplier ?? 1, act: this.opts.activation ?? 'linear',
    });
  }
}

/** Conv2dLayer: weight [k, k, in, out], optional FIR up/downsampling, bias_act with conv_clamp. */
export class Conv2dLayer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly weightGain: number;
  constructor(store: ParamStore, name: string, inChannels: number, outChannels: number, readonly kernelSize: number,
    readonly opts: { bias?: boolean; activation?: Activation; up?: number; down?: number; filter: Fir; convClamp?: number | null }) {
    this.weight = store.param(`${name}.weight`, [kernelSize, kernelSize, inChannels, outChannels], { normal: 1 });
    this.bias = opts.bias === false ? null : store.param(`${name}.bias`, [outChannels], 'zeros');
    this.weightGain = 1 / Math.sqrt(inChannels * kernelSize * kernelSize);
  }

  forward(x: tf.Tensor4D, gain = 1): tf.Tensor4D {
    return tf.tidy(() => {
      const { up = 1, down = 1, activation = 'linear', convClamp = null } = this.opts;
      const w = tf.mul(this.weight, this.weightGain) as tf.Tensor4D;
      const y = conv2dResample(x, w, this.opts.filter, { up, down, padding: Math.floor(this.kernelSize / 2), flipWeight: up === 1 });
      return biasAct(y, this.bias, activation, ACT_GAIN[activation] * gain, convClamp === null ? null : convClamp * gain);
    });
  }
}

/** Channels at resolution `res`: min(channel_base // res, channel_max). */
export function channelsAt(base: number, max: number, res: number): number {
  return Math.min(Math.floor(base / res), max);
}
