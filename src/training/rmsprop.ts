/**
 * RMSprop as torch.optim.RMSprop's defaults (alpha 0.99, eps 1e-8, no momentum, not centred):
 * v <- alpha v + (1 - alpha) g^2; p <- p - lr g / (sqrt(v) + eps). WGAN (Arjovsky et al. 2017)
 * trains with it: momentum-based optimizers were unstable with weight clipping. Same face as Adam.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore, RawTensor } from '../networks/params.js';

export interface RmspropOptions {
  lr: number;
  alpha: number;
  eps: number;
}

export class Rmsprop {
  private readonly v = new Map<string, tf.Variable>();
  step = 0;

  constructor(private readonly store: ParamStore, public opts: RmspropOptions) {
    tf.tidy(() => {
      for (const [name, p] of store.vars) this.v.set(name, tf.variable(tf.zerosLike(p), false));
    });
  }

  /** One update with gradients keyed by tfjs variable name (as tf.variableGrads returns them). */
  apply(grads: tf.NamedTensorMap): void {
    this.step++;
    const { lr, alpha, eps } = this.opts;
    tf.tidy(() => {
      for (const [name, p] of this.store.vars) {
        const g = grads[p.name];
        if (!g) continue;
        const v = this.v.get(name)!;
        v.assign(tf.add(tf.mul(v, alpha), tf.mul(tf.square(g), 1 - alpha)));
        p.assign(tf.sub(p, tf.mul(tf.div(g, tf.add(tf.sqrt(v), eps)), lr)));
      }
    });
  }

  /** The state toRaw() reads (v), for prefetchForSync. */
  tensors(): tf.Tensor[] {
    return [...this.v.values()];
  }

  toRaw(): Record<string, RawTensor> {
    const out: Record<string, RawTensor> = {};
    for (const [k, t] of this.v) out[`v.${k}`] = { shape: t.shape.slice(), data: t.dataSync() as Float32Array };
    return out;
  }

  loadRaw(raw: Record<string, RawTensor>, step: number, source: string): void {
    for (const [k, t] of this.v) {
      const r = raw[`v.${k}`];
      if (!r || r.data.length !== t.size) throw new Error(`${source}: optimizer state v.${k} missing or mis-shaped`);
      tf.tidy(() => t.assign(tf.tensor(r.data, t.shape)));
    }
    this.step = step;
  }

  dispose(): void {
    for (const t of this.v.values()) t.dispose();
  }
}
