/** StyleGAN3 Generator = synthesis(truncate(mapping(z, c))), as NVIDIA's training/networks_stylegan3.py. */
import * as tf from '@tensorflow/tfjs-core';
import type { StyleGAN3Config } from './config.js';
import { ParamStore } from '../params.js';
import type { GeneratorForwardOptions, GeneratorLike, GeneratorMappingOptions } from '../generator-api.js';
import { MappingNetwork, truncateWs } from '../stylegan2/mapping.js';
import { SynthesisNetwork3, type Synthesis3Options } from './synthesis.js';

export class StyleGAN3Generator implements GeneratorLike {
  readonly store: ParamStore;
  readonly synthesis: SynthesisNetwork3;
  /** StyleGAN2's mapping with StyleGAN3's settings: the label embedded to wDim, every layer wDim wide. */
  readonly mapping: MappingNetwork;
  readonly numWs: number;

  constructor(readonly cfg: StyleGAN3Config, random: () => number = Math.random) {
    this.store = new ParamStore(random);
    this.synthesis = new SynthesisNetwork3(cfg, this.store, random);
    this.numWs = this.synthesis.numWs;
    this.mapping = new MappingNetwork({
      zDim: cfg.zDim, cDim: cfg.cDim, wDim: cfg.wDim, numWs: this.numWs, numLayers: cfg.mapping.numLayers,
      embedFeatures: cfg.wDim, layerFeatures: cfg.wDim, lrMultiplier: cfg.mapping.lrMultiplier,
    }, this.store);
  }

  get wAvg(): tf.Variable { return this.mapping.wAvg!; }

  /** z [N, zDim] -> ws [N, numWs, wDim], truncated towards w_avg on styles [0, cutoff). */
  mappingForward(z: tf.Tensor2D, opts: GeneratorMappingOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const w = this.mapping.forwardW(z, opts.c ?? null);
      const ws = tf.tile(tf.expandDims(w, 1), [1, this.numWs, 1]) as tf.Tensor3D;
      return truncateWs(ws, this.wAvg as tf.Tensor1D, opts.truncationPsi ?? 1, opts.truncationCutoff);
    });
  }

  forward(z: tf.Tensor2D, opts: GeneratorForwardOptions & Synthesis3Options = {}): tf.Tensor4D {
    return tf.tidy(() => this.synthesis.forward(this.mappingForward(z, opts), opts));
  }

  dispose(): void {
    this.store.dispose();
  }
}
