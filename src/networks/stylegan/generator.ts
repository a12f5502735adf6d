/**
 * Style-based generator G = synthesis(truncate(mapping(z))) (paper fig. 1b, NVIDIA's G_style),
 * with the tracked average w for the truncation trick (paper appendix B).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type StyleGANConfig, numWs } from './config.js';
import { ParamStore } from '../params.js';
import { MappingNetwork } from './mapping.js';
import { SynthesisNetwork, type SynthesisOptions } from './synthesis.js';

export interface MappingOptions {
  /** Truncation psi: w' = w_avg + psi (w - w_avg); 1 = off. */
  truncationPsi?: number;
  /** Truncate only styles [0, cutoff) (NVIDIA's examples: 8); undefined = all. */
  truncationCutoff?: number;
}

export type GenerateOptions = MappingOptions & SynthesisOptions;

export class Generator {
  readonly store: ParamStore;
  readonly mapping: MappingNetwork;
  readonly synthesis: SynthesisNetwork;
  readonly wAvg: tf.Variable;
  readonly numWs: number;

  constructor(readonly cfg: StyleGANConfig, random?: () => number) {
    this.store = new ParamStore(random);
    this.mapping = new MappingNetwork(cfg, this.store);
    this.synthesis = new SynthesisNetwork(cfg, this.store);
    this.wAvg = this.store.buffer('w_avg', [cfg.wDim], 'zeros');
    this.numWs = numWs(cfg);
  }

  /** z [N, zDim] -> ws [N, numWs, wDim], truncated towards w_avg. */
  mappingForward(z: tf.Tensor2D, opts: MappingOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const w = this.mapping.forward(z);
      const ws = tf.tile(tf.expandDims(w, 1), [1, this.numWs, 1]) as tf.Tensor3D;
      return truncate(ws, this.wAvg as tf.Tensor1D, opts);
    });
  }

  /** z [N, zDim] -> images [N, R, R, C]. */
  forward(z: tf.Tensor2D, opts: GenerateOptions = {}): tf.Tensor4D {
    return tf.tidy(() => this.synthesis.forward(this.mappingForward(z, opts), opts));
  }

  dispose(): void {
    this.store.dispose();
  }
}

/** w' = w_avg + psi (w - w_avg) on styles below the cutoff; ws [N, numWs, wDim]. */
export function truncate(ws: tf.Tensor3D, wAvg: tf.Tensor1D, { truncationPsi = 1, truncationCutoff }: MappingOptions = {}): tf.Tensor3D {
  return tf.tidy(() => {
    if (truncationPsi === 1) return tf.clone(ws);
    const num = ws.shape[1];
    const cutoff = truncationCutoff === undefined ? num : Math.min(truncationCutoff, num);
    const coefs = tf.tensor3d(Array.from({ length: num }, (_, i) => (i < cutoff ? truncationPsi : 1)), [1, num, 1]);
    return tf.add(wAvg, tf.mul(tf.sub(ws, wAvg), coefs)) as tf.Tensor3D;
  });
}
