/**
 * Named parameter storage. Names are our module paths (`mapping.fc0.weight`); tfjs
 * variable names are left auto-generated because G and G_ema share our names.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface RawTensor {
  shape: number[];
  data: Float32Array;
}

/** normal: N(mean, std^2) (mean 0 unless given); uniform: U(-bound, bound) (PyTorch's default Linear/Conv init). */
export type Init = 'zeros' | 'ones' | { normal: number; mean?: number } | { uniform: number };

/**
 * The "RNG" to build a network that is about to be loaded (`new Generator(cfg, skipInit)`, then
 * `store.loadRaw`): every weight starts as zeros instead of random draws that the load would
 * overwrite (drawing them was ~0.3 s of a 64 px `stylegan generate`). Never called.
 */
export const skipInit: () => number = () => {
  throw new Error('skipInit marks a network that is about to be loaded; it draws no numbers');
};

export class ParamStore {
  /** Trainable weights. */
  readonly vars = new Map<string, tf.Variable>();
  /** Non-trainable state (w_avg, stored noise). */
  readonly buffers = new Map<string, tf.Variable>();

  constructor(private readonly random: () => number = Math.random) {}

  private make(shape: number[], init: Init): tf.Tensor {
    if (init === 'zeros' || this.random === skipInit) return tf.zeros(shape);
    if (init === 'ones') return tf.ones(shape);
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if ('uniform' in init) {
      for (let i = 0; i < size; i++) data[i] = (2 * this.random() - 1) * init.uniform;
      return tf.tensor(data, shape);
    }
    const mean = init.mean ?? 0;
    for (let i = 0; i < size; i += 2) {
      // Box-Muller from the store's own RNG so initialisation is reproducible from a seed.
      const u = 1 - this.random(), v = this.random();
      const r = Math.sqrt(-2 * Math.log(u)) * init.normal;
      data[i] = mean + r * Math.cos(2 * Math.PI * v);
      if (i + 1 < size) data[i + 1] = mean + r * Math.sin(2 * Math.PI * v);
    }
    return tf.tensor(data, shape);
  }

  param(name: string, shape: number[], init: Init): tf.Variable {
    if (this.vars.has(name) || this.buffers.has(name)) throw new Error(`Duplicate parameter ${name}`);
    const v = tf.tidy(() => tf.variable(this.make(shape, init), true));
    this.vars.set(name, v);
    return v;
  }

  buffer(name: string, shape: number[], init: Init): tf.Variable {
    if (this.vars.has(name) || this.buffers.has(name)) throw new Error(`Duplicate parameter ${name}`);
    const v = tf.tidy(() => tf.variable(this.make(shape, init), false));
    this.buffers.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name) ?? this.buffers.get(name);
    if (!v) throw new Error(`Unknown parameter ${name}`);
    return v;
  }

  entries(): Array<[string, tf.Variable]> {
    return [...this.vars.entries(), ...this.buffers.entries()];
  }

  numParams(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** Plain copies of every tensor, for checkpoints. */
  toRaw(): Record<string, RawTensor> {
    const out: Record<string, RawTensor> = {};
    for (const [k, v] of this.entries()) out[k] = { shape: v.shape.slice(), data: v.dataSync() as Float32Array };
    return out;
  }

  /** Loads every tensor by name; unknown, missing or mis-shaped entries are errors naming them. */
  loadRaw(raw: Record<string, RawTensor>, source = 'checkpoint'): void {
    for (const k of Object.keys(raw)) if (!this.vars.has(k) && !this.buffers.has(k)) throw new Error(`${source}: unknown tensor ${k}`);
    for (const [k, v] of this.entries()) {
      const r = raw[k];
      if (!r) throw new Error(`${source}: missing tensor ${k}`);
      if (r.shape.length !== v.shape.length || r.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(`${source}: tensor ${k} has shape [${r.shape}], expected [${v.shape}]`);
      }
      tf.tidy(() => v.assign(tf.tensor(r.data, v.shape))); // assign() keeps its argument alive: dispose it here
    }
  }

  /** Copy values from a store with the same names (G -> G_ema at start). */
  copyFrom(other: ParamStore): void {
    for (const [k, v] of this.entries()) v.assign(other.get(k));
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    for (const v of this.buffers.values()) v.dispose();
    this.vars.clear();
    this.buffers.clear();
  }
}
