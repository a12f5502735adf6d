/**
 * StyleGAN-XL Generator / SuperresGenerator = synthesis(truncate(mapping(z, c))): truncation
 * goes towards the sample's class row of w_avg (or, multimodal, the nearest of given centroids),
 * as gen_images.py / gen_utils.get_w_from_seed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../params.js';
import type { GeneratorForwardOptions, GeneratorLike, GeneratorMappingOptions } from '../generator-api.js';
import type { StyleGANXLConfig } from './config.js';
import { MappingNetworkXL, nearestCentroids, truncateTowards } from './mapping.js';
import { SynthesisNetworkXL } from './synthesis.js';

/** Multimodal truncation (`centroids`): towards the nearest centroid instead of the class's w_avg. */
export type MappingXLOptions = GeneratorMappingOptions;

export class StyleGANXLGenerator implements GeneratorLike {
  readonly store: ParamStore;
  readonly mapping: MappingNetworkXL;
  readonly synthesis: SynthesisNetworkXL;
  readonly numWs: number;

  constructor(readonly cfg: StyleGANXLConfig, random: () => number = Math.random) {
    this.store = new ParamStore(random);
    this.synthesis = new SynthesisNetworkXL(cfg, this.store, random);
    this.numWs = this.synthesis.numWs;
    this.mapping = new MappingNetworkXL(cfg, this.store);
  }

  get wAvg(): tf.Variable { return this.mapping.wAvg; }

  /** z [N, zDim] -> ws [N, numWs, wDim], truncated on styles [0, cutoff). */
  mappingForward(z: tf.Tensor2D, opts: MappingXLOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const c = opts.c ?? null;
      const w = this.mapping.forwardW(z, c);
      const ws = tf.tile(tf.expandDims(w, 1), [1, this.numWs, 1]) as tf.Tensor3D;
      const center = opts.centroids ? nearestCentroids(w, opts.centroids) : this.mapping.wAvgFor(z.shape[0], c);
      return truncateTowards(ws, center, opts.truncationPsi ?? 1, opts.truncationCutoff);
    });
  }

  forward(z: tf.Tensor2D, opts: GeneratorForwardOptions & MappingXLOptions = {}): tf.Tensor4D {
    return tf.tidy(() => this.synthesis.forward(this.mappingForward(z, opts), opts));
  }

  dispose(): void {
    this.store.dispose();
  }
}
