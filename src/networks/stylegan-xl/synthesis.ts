/**
 * StyleGAN-XL's SynthesisNetwork: StyleGAN3's Fourier-feature input and SynthesisLayers, built
 * from the explicit per-layer specs of the config (after progressive growing no schedule
 * formula gives them), output scaled by outputScale. ws [N, numWs, wDim]: ws[0] drives the
 * input, ws[i + 1] layer i. Images [N, R, R, C].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';
import type { GeneratorSynthesisOptions } from '../generator-api.js';
import { SynthesisInput } from '../stylegan3/input.js';
import { SynthesisLayer } from '../stylegan3/layer.js';
import { type StyleGANXLConfig, numWsXL } from './config.js';

export class SynthesisNetworkXL {
  readonly input: SynthesisInput;
  readonly layers: SynthesisLayer[];
  readonly numWs: number;

  constructor(readonly cfg: StyleGANXLConfig, store: ParamStore, random: () => number) {
    const s = cfg.synthesis;
    this.input = new SynthesisInput(cfg.wDim, s.input, store, random);
    this.layers = s.layers.map((l) => new SynthesisLayer(l, cfg.wDim, { convClamp: l.convClamp, magnitudeEmaBeta: l.magnitudeEmaBeta }, store, `synthesis.${l.name}`));
    this.numWs = numWsXL(cfg);
  }

  /**
   * ws [N, numWs, wDim] -> images [N, R, R, C]. StyleGAN-XL has no noise inputs. A batch gives the
   * images of its samples alone (gen_images.py draws one seed per batch): the modulated conv's
   * style RMS is over the batch, but demodulation cancels any common scale of the styles.
   */
  forward(ws: tf.Tensor3D, _opts: GeneratorSynthesisOptions = {}): tf.Tensor4D {
    if (ws.shape[1] !== this.numWs || ws.shape[2] !== this.cfg.wDim) {
      throw new Error(`Error in synthesis: ws [${ws.shape}], expected [N, ${this.numWs}, ${this.cfg.wDim}]`);
    }
    return tf.tidy(() => {
      const w = tf.unstack(ws, 1) as tf.Tensor2D[];
      let x = this.input.forward(w[0]);
      this.layers.forEach((l, i) => { x = l.forward(x, w[i + 1]); });
      const scale = this.cfg.synthesis.outputScale;
      return scale !== 1 ? tf.mul(x, scale) : x;
    });
  }
}
