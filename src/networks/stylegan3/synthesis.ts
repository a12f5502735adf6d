/**
 * StyleGAN3's SynthesisNetwork: Fourier-feature input, then numLayers + 1 SynthesisLayers
 * (the last is ToRGB) on the schedule of ./schedule.ts, output scaled by outputScale.
 * ws [N, numWs, wDim]: ws[0] drives the input transform, ws[i + 1] layer i. Images [N, R, R, C].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StyleGAN3Config } from './config.js';
import type { ParamStore } from '../params.js';
import type { GeneratorSynthesisOptions } from '../generator-api.js';
import { synthesisSchedule } from './schedule.js';
import { SynthesisInput } from './input.js';
import { SynthesisLayer } from './layer.js';

export interface Synthesis3Options extends GeneratorSynthesisOptions {
  /** Training: update each layer's input magnitude EMA (NVIDIA's update_emas). StyleGAN3 has no noise inputs. */
  updateEmas?: boolean;
}

export class SynthesisNetwork3 {
  readonly input: SynthesisInput;
  readonly layers: SynthesisLayer[];
  readonly numWs: number;

  constructor(readonly cfg: StyleGAN3Config, store: ParamStore, random: () => number) {
    const { input, layers } = synthesisSchedule(cfg);
    this.input = new SynthesisInput(cfg.wDim, input, store, random);
    const s = cfg.synthesis;
    this.layers = layers.map((l) => new SynthesisLayer(l, cfg.wDim, { convClamp: s.convClamp, magnitudeEmaBeta: s.magnitudeEmaBeta }, store, `synthesis.${l.name}`));
    this.numWs = layers.length + 1;
  }

  /** ws [N, numWs, wDim] -> images [N, R, R, C]. */
  forward(ws: tf.Tensor3D, opts: Synthesis3Options = {}): tf.Tensor4D {
    if (ws.shape[1] !== this.numWs || ws.shape[2] !== this.cfg.wDim) {
      throw new Error(`Error in synthesis: ws [${ws.shape}], expected [N, ${this.numWs}, ${this.cfg.wDim}]`);
    }
    return tf.tidy(() => {
      const w = tf.unstack(ws, 1) as tf.Tensor2D[];
      let x = this.input.forward(w[0]);
      this.layers.forEach((l, i) => { x = l.forward(x, w[i + 1], { updateEmas: opts.updateEmas }); });
      const scale = this.cfg.synthesis.outputScale;
      return scale !== 1 ? tf.mul(x, scale) : x;
    });
  }
}
