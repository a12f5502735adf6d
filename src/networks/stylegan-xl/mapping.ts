/**
 * StyleGAN-XL's MappingNetwork (training/networks_stylegan3_resetting.py): the class goes through
 * a fixed ImageNet embedding table (row argmax(c), so a one-hot label picks its class's row),
 * then a projection to zDim with lrelu; z and the projected embedding are each normalised to
 * unit second moment and concatenated, then the FC layers (lr multiplier 0.01). w_avg is
 * tracked per class: [cDim, wDim] (or [wDim] unconditionally).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';
import { pixelNorm } from '../../ops/norm.js';
import { FullyConnectedLayer } from '../stylegan2/layers.js';
import type { StyleGANXLConfig } from './config.js';

export class MappingNetworkXL {
  /** The embedding table [embedNum, embedDim]. */
  readonly embed: tf.Variable;
  readonly embedProj: FullyConnectedLayer | null;
  readonly layers: FullyConnectedLayer[] = [];
  readonly wAvg: tf.Variable;

  constructor(readonly cfg: StyleGANXLConfig, store: ParamStore, prefix = 'mapping') {
    const m = cfg.mapping;
    this.embed = store.param(`${prefix}.embed.weight`, [m.embedNum, m.embedDim], { normal: 1 });
    this.embedProj = cfg.cDim > 0 ? new FullyConnectedLayer(store, `${prefix}.embedProj`, m.embedDim, cfg.zDim, { activation: 'lrelu' }) : null;
    const features = [cfg.zDim * (cfg.cDim > 0 ? 2 : 1), ...new Array<number>(m.numLayers).fill(cfg.wDim)];
    for (let i = 0; i < m.numLayers; i++) {
      this.layers.push(new FullyConnectedLayer(store, `${prefix}.fc${i}`, features[i], features[i + 1], { activation: 'lrelu', lrMultiplier: m.lrMultiplier }));
    }
    this.wAvg = store.buffer(`${prefix}.wAvg`, cfg.cDim > 0 ? [cfg.cDim, cfg.wDim] : [cfg.wDim], 'zeros');
  }

  /**
   * The embedding of each label, [N, embedDim]: c @ table. A one-hot label gives its class's row
   * exactly (the other terms are 0), as the official embed(c.argmax(1)); a soft label (between
   * classes) mixes the rows, which is how interpolation crosses classes.
   */
  embedLabels(c: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.matMul(c, tf.slice(this.embed, [0, 0], [this.cfg.cDim, this.cfg.mapping.embedDim])) as tf.Tensor2D);
  }

  /** z [N, zDim], c [N, cDim] -> w [N, wDim]. */
  forwardW(z: tf.Tensor2D, c: tf.Tensor2D | null): tf.Tensor2D {
    const { zDim, cDim } = this.cfg;
    if (z.shape[1] !== zDim) throw new Error(`Error in mapping: z [${z.shape}], expected [N, ${zDim}]`);
    return tf.tidy(() => {
      let x = pixelNorm(z);
      if (this.embedProj) {
        if (!c || c.shape[1] !== cDim || c.shape[0] !== z.shape[0]) throw new Error(`Error in mapping: c [${c?.shape}], expected [${z.shape[0]}, ${cDim}] (a conditional network needs labels)`);
        const y = pixelNorm(this.embedProj.forward(this.embedLabels(c)));
        x = tf.concat([x, y], 1) as tf.Tensor2D;
      }
      for (const l of this.layers) x = l.forward(x);
      return x;
    });
  }

  /** The w_avg each sample truncates towards, [N, wDim]: its class's row (c @ w_avg: exact for a one-hot, mixed between classes), or the one w_avg. */
  wAvgFor(n: number, c: tf.Tensor2D | null): tf.Tensor2D {
    return tf.tidy(() => {
      if (this.cfg.cDim === 0) return tf.tile(tf.expandDims(this.wAvg, 0), [n, 1]) as tf.Tensor2D;
      if (!c) throw new Error('Error in mapping: a conditional network truncates towards a class: give labels');
      return tf.matMul(c, this.wAvg as tf.Tensor2D) as tf.Tensor2D;
    });
  }
}

/**
 * Multimodal truncation (gen_utils.get_w_from_seed with --centroids-path): the centroid
 * nearest to each w (L2), [N, wDim]; centroids [K, wDim].
 */
export function nearestCentroids(w: tf.Tensor2D, centroids: tf.Tensor2D): tf.Tensor2D {
  if (centroids.shape[1] !== w.shape[1]) throw new Error(`Error in nearestCentroids: centroids [${centroids.shape}] for w [${w.shape}]`);
  return tf.tidy(() => {
    const d = tf.sum(tf.square(tf.sub(tf.expandDims(centroids, 0), tf.expandDims(w, 1))), 2); // [N, K]
    return tf.gather(centroids, tf.argMin(d, 1)) as tf.Tensor2D;
  });
}

/** w_avg + (w - w_avg) psi on styles [0, cutoff) of ws [N, numWs, wDim], towards per-sample rows wAvg [N, wDim]. Computed at psi 1 too, as gen_images.py. */
export function truncateTowards(ws: tf.Tensor3D, wAvg: tf.Tensor2D, psi: number, cutoff?: number): tf.Tensor3D {
  return tf.tidy(() => {
    const num = ws.shape[1];
    const cut = cutoff === undefined || cutoff === null ? num : Math.max(0, Math.min(cutoff, num));
    const avg = tf.expandDims(wAvg, 1);
    const t = tf.add(avg, tf.mul(tf.sub(ws, avg), psi)) as tf.Tensor3D;
    if (cut === num) return t;
    const keep = tf.tensor3d(Array.from({ length: num }, (_, i) => (i < cut ? 1 : 0)), [1, num, 1]);
    return tf.where(tf.cast(keep, 'bool'), t, ws) as tf.Tensor3D;
  });
}
