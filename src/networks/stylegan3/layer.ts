/**
 * StyleGAN3's SynthesisLayer (paper sec. 3.2-3.3, training/networks_stylegan3.py): affine
 * style, modulated conv (3x3 for T, 1x1 for R; ToRGB 1x1 without demodulation) scaled by the
 * input gain 1/sqrt(magnitude EMA), then filtered_lrelu: upsample with the up filter to the
 * temporary rate, bias, leaky ReLU with gain and clamp, low-pass with the down filter and
 * decimate (alias-free nonlinearity). Sizes, rates and filters from ./schedule.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';
import { FullyConnectedLayer } from '../stylegan2/layers.js';
import { type FirFilter, filteredLrelu } from '../../ops/filtered-lrelu.js';
import { modulatedConv2d3 } from './modulated-conv.js';
import { type LayerSpec, layerFilters } from './schedule.js';

export interface LayerForwardOptions {
  /** Training: update the input magnitude EMA from this batch (NVIDIA's update_emas). */
  updateEmas?: boolean;
}

/** A filter buffer read as FirFilter, re-read only when the variable gets new data (a load or import). */
class FilterBuffer {
  private cached: { id: object; f: FirFilter } | null = null;
  constructor(readonly v: tf.Variable) {}
  get(): FirFilter {
    const id = this.v.dataId as object;
    if (!this.cached || this.cached.id !== id) {
      const shape = this.v.shape.length === 1 ? [this.v.shape[0]] as [number] : [this.v.shape[0], this.v.shape[1]] as [number, number];
      this.cached = { id, f: { data: Float32Array.from(this.v.dataSync() as Float32Array), shape } };
    }
    return this.cached.f;
  }
}

export class SynthesisLayer {
  readonly affine: FullyConnectedLayer;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly magnitudeEma: tf.Variable;
  readonly upFilter: FilterBuffer | null;
  readonly downFilter: FilterBuffer | null;

  constructor(readonly spec: LayerSpec, wDim: number, readonly opts: { convClamp: number | null; magnitudeEmaBeta: number }, store: ParamStore, prefix: string) {
    const s = spec;
    this.affine = new FullyConnectedLayer(store, `${prefix}.affine`, wDim, s.inChannels, { biasInit: 1 });
    this.weight = store.param(`${prefix}.weight`, [s.convKernel, s.convKernel, s.inChannels, s.outChannels], { normal: 1 });
    this.bias = store.param(`${prefix}.bias`, [s.outChannels], 'zeros');
    this.magnitudeEma = store.buffer(`${prefix}.magnitudeEma`, [], 'ones');
    const { up, down } = layerFilters(s);
    const buffer = (name: string, f: typeof up) => {
      if (!f) return null;
      const v = store.buffer(`${prefix}.${name}`, f.radial ? [f.size, f.size] : [f.size], 'zeros');
      tf.tidy(() => v.assign(tf.tensor(f.taps, v.shape)));
      return new FilterBuffer(v);
    };
    this.upFilter = buffer('upFilter', up);
    this.downFilter = buffer('downFilter', down);
  }

  /** x [N, inSize, inSize, inChannels], w [N, wDim] -> [N, outSize, outSize, outChannels]. */
  forward(x: tf.Tensor4D, w: tf.Tensor2D, { updateEmas = false }: LayerForwardOptions = {}): tf.Tensor4D {
    const s = this.spec;
    if (x.shape[1] !== s.inSize || x.shape[2] !== s.inSize || x.shape[3] !== s.inChannels) {
      throw new Error(`Error in ${s.name}: x [${x.shape}], expected [N, ${s.inSize}, ${s.inSize}, ${s.inChannels}]`);
    }
    if (updateEmas) {
      tf.tidy(() => {
        const cur = tf.mean(tf.square(x));
        this.magnitudeEma.assign(tf.add(cur, tf.mul(tf.sub(this.magnitudeEma, cur), this.opts.magnitudeEmaBeta))); // cur.lerp(ema, beta)
      });
    }
    const fu = this.upFilter?.get() ?? null, fd = this.downFilter?.get() ?? null;
    return tf.tidy(() => {
      const inputGain = tf.rsqrt(this.magnitudeEma);
      let styles = this.affine.forward(w);
      if (s.isTorgb) styles = tf.mul(styles, 1 / Math.sqrt(s.inChannels * s.convKernel ** 2));
      const y = modulatedConv2d3(x, this.weight as tf.Tensor4D, styles, { demodulate: !s.isTorgb, inputGain });
      return filteredLrelu(y, fu, fd, this.bias as tf.Tensor1D, {
        up: s.upFactor, down: s.downFactor, padding: s.padding,
        gain: s.isTorgb ? 1 : Math.SQRT2, slope: s.isTorgb ? 1 : 0.2, clamp: this.opts.convClamp,
      });
    });
  }
}
