/** StyleGAN2 MappingNetwork: z (and an embedded label c) -> w, broadcast to num_ws and truncated. */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';
import { pixelNorm } from '../../ops/norm.js';
import { FullyConnectedLayer } from './layers.js';

export interface MappingParams {
  zDim: number;
  cDim: number;
  wDim: number;
  /** null: no broadcast, no w_avg (D's label mapping). */
  numWs: number | null;
  numLayers: number;
  embedFeatures: number;
  layerFeatures: number;
  lrMultiplier: number;
}

export class MappingNetwork {
  readonly embed: FullyConnectedLayer | null;
  readonly layers: FullyConnectedLayer[] = [];
  readonly wAvg: tf.Variable | null;

  constructor(readonly p: MappingParams, store: ParamStore, prefix = 'mapping') {
    const embed = p.cDim > 0 ? p.embedFeatures : 0;
    const features = [p.zDim + embed, ...new Array<number>(p.numLayers - 1).fill(p.layerFeatures), p.wDim];
    this.embed = p.cDim > 0 ? new FullyConnectedLayer(store, `${prefix}.embed`, p.cDim, embed) : null;
    for (let i = 0; i < p.numLayers; i++) {
      this.layers.push(new FullyConnectedLayer(store, `${prefix}.fc${i}`, features[i], features[i + 1], { activation: 'lrelu', lrMultiplier: p.lrMultiplier }));
    }
    this.wAvg = p.numWs !== null ? store.buffer(`${prefix}.wAvg`, [p.wDim], 'zeros') : null;
  }

  /** z [N, zDim] (null when zDim = 0), c [N, cDim] -> w [N, wDim]. */
  forwardW(z: tf.Tensor2D | null, c: tf.Tensor2D | null = null): tf.Tensor2D {
    return tf.tidy(() => {
      const parts: tf.Tensor2D[] = [];
      if (this.p.zDim > 0) {
        if (!z || z.shape[1] !== this.p.zDim) throw new Error(`Error in mapping: z [${z?.shape}], expected [N, ${this.p.zDim}]`);
        parts.push(pixelNorm(z)); // normalize_2nd_moment
      }
      if (this.embed) {
        if (!c || c.shape[1] !== this.p.cDim) throw new Error(`Error in mapping: c [${c?.shape}], expected [N, ${this.p.cDim}] (a conditional network needs labels)`);
        parts.push(pixelNorm(this.embed.forward(c)));
      }
      let x = parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D);
      for (const l of this.layers) x = l.forward(x);
      return x;
    });
  }
}

/** w_avg.lerp(w, psi) on styles [0, cutoff); ws [N, numWs, wDim]. */
export function truncateWs(ws: tf.Tensor3D, wAvg: tf.Tensor1D, psi = 1, cutoff?: number): tf.Tensor3D {
  return tf.tidy(() => {
    if (psi === 1) return tf.clone(ws);
    const num = ws.shape[1];
    const cut = cutoff === undefined || cutoff === null ? num : Math.max(0, Math.min(cutoff, num));
    if (cut === 0) return tf.clone(ws);
    const coefs = tf.tensor3d(Array.from({ length: num }, (_, i) => (i < cut ? psi : 1)), [1, num, 1]);
    return tf.add(wAvg, tf.mul(tf.sub(ws, wAvg), coefs)) as tf.Tensor3D;
  });
}
