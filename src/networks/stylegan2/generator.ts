/** StyleGAN2 Generator = synthesis(truncate(mapping(z, c))), as NVIDIA's training/networks.py. */
import * as tf from '@tensorflow/tfjs-core';
import type { StyleGAN2Config } from './config.js';
import { ParamStore } from '../params.js';
import type { GeneratorForwardOptions, GeneratorLike, GeneratorMappingOptions } from '../generator-api.js';
import { MappingNetwork, truncateWs } from './mapping.js';
import { SynthesisNetwork2 } from './synthesis.js';

export type Mapping2Options = GeneratorMappingOptions;

export class StyleGAN2Generator implements GeneratorLike {
  readonly store: ParamStore;
  readonly synthesis: SynthesisNetwork2;
  readonly mapping: MappingNetwork;
  readonly numWs: number;

  constructor(readonly cfg: StyleGAN2Config, random?: () => number) {
    this.store = new ParamStore(random);
    this.synthesis = new SynthesisNetwork2(cfg, this.store);
    this.numWs = this.synthesis.numWs;
    const m = cfg.mapping;
    this.mapping = new MappingNetwork({
      zDim: cfg.zDim, cDim: cfg.cDim, wDim: cfg.wDim, numWs: this.numWs, numLayers: m.numLayers,
      embedFeatures: m.embedFeatures, layerFeatures: m.layerFeatures, lrMultiplier: m.lrMultiplier,
    }, this.store);
  }

  get wAvg(): tf.Variable { return this.mapping.wAvg!; }

  /** z [N, zDim] -> ws [N, numWs, wDim], truncated towards w_avg. */
  mappingForward(z: tf.Tensor2D, opts: Mapping2Options = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const w = this.mapping.forwardW(z, opts.c ?? null);
      const ws = tf.tile(tf.expandDims(w, 1), [1, this.numWs, 1]) as tf.Tensor3D;
      return truncateWs(ws, this.wAvg as tf.Tensor1D, opts.truncationPsi ?? 1, opts.truncationCutoff);
    });
  }

  forward(z: tf.Tensor2D, opts: GeneratorForwardOptions & Mapping2Options = {}): tf.Tensor4D {
    return tf.tidy(() => this.synthesis.forward(this.mappingForward(z, opts), opts));
  }

  dispose(): void {
    this.store.dispose();
  }
}
