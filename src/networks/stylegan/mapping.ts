/** Mapping network f: z -> w (paper sec. 2, fig. 1b): pixel norm, then L dense layers with lrelu. */
import * as tf from '@tensorflow/tfjs-core';
import type { StyleGANConfig } from './config.js';
import { LRELU_GAIN } from './config.js';
import { equalizedDense } from '../../ops/equalized.js';
import { lrelu } from '../../ops/activation.js';
import { pixelNorm } from '../../ops/norm.js';
import type { ParamStore } from '../params.js';

export class MappingNetwork {
  readonly layers: Array<{ weight: tf.Variable; bias: tf.Variable }> = [];

  constructor(readonly cfg: StyleGANConfig, store: ParamStore) {
    for (let i = 0; i < cfg.mappingLayers; i++) {
      const fin = i === 0 ? cfg.zDim : cfg.mappingFmaps;
      const fout = i === cfg.mappingLayers - 1 ? cfg.wDim : cfg.mappingFmaps;
      // NVIDIA stores N(0, 1/lrMul) weights so the runtime scale lrMul/sqrt(fanIn) gives He init.
      this.layers.push({
        weight: store.param(`mapping.fc${i}.weight`, [fin, fout], { normal: 1 / cfg.mappingLrMul }),
        bias: store.param(`mapping.fc${i}.bias`, [fout], 'zeros'),
      });
    }
  }

  /** z [N, zDim] -> w [N, wDim]. */
  forward(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      if (z.shape[1] !== this.cfg.zDim) throw new Error(`Error in mapping: z [${z.shape}], expected [N, ${this.cfg.zDim}]`);
      let x = pixelNorm(z);
      for (const { weight, bias } of this.layers) {
        x = lrelu(equalizedDense(x, weight as tf.Tensor2D, bias as tf.Tensor1D, { gain: LRELU_GAIN, lrMul: this.cfg.mappingLrMul }));
      }
      return x;
    });
  }
}
