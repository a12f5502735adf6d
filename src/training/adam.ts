/** Adam over a ParamStore, with state that a snapshot can save and restore exactly. */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore, RawTensor } from '../networks/params.js';
import { FUSED, hasFusedKernel } from '../ops/fused.js';

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** NVIDIA's nan_to_num(grad, nan=0, posinf=clip, neginf=-clip) before the update (StyleGAN2); 0 = none. */
  clip?: number;
}

/** StyleGAN's settings: beta1 0, beta2 0.99, eps 1e-8. */
export const STYLEGAN_ADAM: Omit<AdamOptions, 'lr'> = { beta1: 0, beta2: 0.99, eps: 1e-8 };

export class Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  step = 0;

  constructor(private readonly store: ParamStore, public opts: AdamOptions) {
    // tidy: the zeros' own handles would otherwise outlive the variables made from them (a leak per optimizer).
    tf.tidy(() => {
      for (const [name, p] of store.vars) {
        this.m.set(name, tf.variable(tf.zerosLike(p), false));
        this.v.set(name, tf.variable(tf.zerosLike(p), false));
      }
    });
  }

  /** One update with gradients keyed by tfjs variable name (as tf.variableGrads returns them). */
  apply(grads: tf.NamedTensorMap): void {
    this.step++;
    const { lr, beta1, beta2, eps, clip = 0 } = this.opts;
    const c1 = 1 - beta1 ** this.step, c2 = 1 - beta2 ** this.step;
    const fused = hasFusedKernel(FUSED.adam);
    tf.tidy(() => {
      for (const [name, p] of this.store.vars) {
        let g = grads[p.name];
        if (!g) continue; // not on the loss path (e.g. blocks above the current resolution)
        const m = this.m.get(name)!, v = this.v.get(name)!;
        if (fused) {
          // One kernel for nan_to_num and the three updates (12 kernels and 11 temporaries otherwise).
          const [pn, mn, vn] = tf.engine().runKernel(FUSED.adam, { p, m, v, g }, { lr, beta1, beta2, c1, c2, eps, clip }) as tf.Tensor[];
          m.assign(mn); v.assign(vn); p.assign(pn);
          continue;
        }
        if (clip > 0) g = tf.where(tf.isNaN(g), tf.zerosLike(g), tf.clipByValue(g, -clip, clip));
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        p.assign(tf.sub(p, tf.mul(tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps)), lr)));
      }
    });
  }

  /** The state toRaw() reads (m and v), for prefetchForSync. */
  tensors(): tf.Tensor[] {
    return [...this.m.values(), ...this.v.values()];
  }

  toRaw(): Record<string, RawTensor> {
    const out: Record<string, RawTensor> = {};
    for (const [k, t] of this.m) out[`m.${k}`] = { shape: t.shape.slice(), data: t.dataSync() as Float32Array };
    for (const [k, t] of this.v) out[`v.${k}`] = { shape: t.shape.slice(), data: t.dataSync() as Float32Array };
    return out;
  }

  loadRaw(raw: Record<string, RawTensor>, step: number, source: string): void {
    for (const [prefix, map] of [['m', this.m], ['v', this.v]] as const) {
      for (const [k, t] of map) {
        const r = raw[`${prefix}.${k}`];
        if (!r || r.data.length !== t.size) throw new Error(`${source}: optimizer state ${prefix}.${k} missing or mis-shaped`);
        tf.tidy(() => t.assign(tf.tensor(r.data, t.shape)));
      }
    }
    this.step = step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
