/**
 * Bit-exact port of NumPy's legacy `np.random.RandomState` (MT19937) for the
 * parts StyleGAN needs: integer seeding, `random_sample`, `randn` and
 * `permutation`. NVIDIA's scripts build latents with
 * `np.random.RandomState(seed).randn(1, z_dim)`, so matching this stream is
 * what makes "seed 42" mean the same image here as in the Python release.
 *
 * Seeding: for an integer seed NumPy's `MT19937._legacy_seeding` calls
 * `mt19937_seed` (Knuth's init_genrand recurrence on the single 32-bit word),
 * NOT `init_by_array`; `init_by_array` is only used for array seeds.
 *
 * The same class doubles as the training RNG: `getState()` is plain JSON, so a
 * checkpoint can resume the exact stream.
 */

import { exactLog } from './exact-log.js';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** JSON-serialisable snapshot; mirrors NumPy's `get_state()` tuple. */
export interface RandomStateSnapshot {
  kind: 'MT19937';
  /** 624 unsigned 32-bit words. */
  key: number[];
  pos: number;
  hasGauss: boolean;
  gauss: number;
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`RandomState: seed must be an integer in [0, 2**32 - 1], got ${seed}`);
  }
}

export class RandomState {
  private readonly key = new Uint32Array(N);
  private pos = N;
  private hasGauss = false;
  private gaussNext = 0;
  private readonly log: (x: number) => number;

  /**
   * @param exact NumPy's normals to the last bit (a correctly rounded log, ~7 us a call); pass
   *   false where only the distribution matters (the training loop draws ~10k normals a step, and
   *   no torch run could share its stream anyway): Math.log, off by an ulp for ~3% of draws.
   */
  constructor(seed: number, { exact = true }: { exact?: boolean } = {}) {
    checkSeed(seed);
    this.seed(seed);
    this.log = exact ? exactLog : Math.log;
  }

  /** Re-seed in place exactly like `RandomState.seed(int)`. */
  seed(seed: number): void {
    checkSeed(seed);
    const key = this.key;
    key[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = key[i - 1] ^ (key[i - 1] >>> 30);
      // Math.imul keeps the 32-bit wrap-around multiply exact.
      key[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.pos = N;
    this.hasGauss = false;
    this.gaussNext = 0;
  }

  static fromState(state: RandomStateSnapshot): RandomState {
    const rng = new RandomState(0);
    rng.setState(state);
    return rng;
  }

  getState(): RandomStateSnapshot {
    return {
      kind: 'MT19937',
      key: Array.from(this.key),
      pos: this.pos,
      hasGauss: this.hasGauss,
      gauss: this.gaussNext,
    };
  }

  setState(state: RandomStateSnapshot): void {
    if (state === null || typeof state !== 'object' || state.kind !== 'MT19937') {
      throw new Error('RandomState.setState: not an MT19937 state');
    }
    const { key, pos, hasGauss, gauss } = state;
    if (!Array.isArray(key) || key.length !== N) {
      throw new Error(`RandomState.setState: key must have ${N} words`);
    }
    if (!key.every((k) => Number.isInteger(k) && k >= 0 && k <= 0xffffffff)) {
      throw new Error('RandomState.setState: key words must be uint32');
    }
    if (!Number.isInteger(pos) || pos < 0 || pos > N) {
      throw new Error(`RandomState.setState: pos must be in [0, ${N}], got ${pos}`);
    }
    if (typeof hasGauss !== 'boolean' || typeof gauss !== 'number' || !Number.isFinite(gauss)) {
      throw new Error('RandomState.setState: bad gauss cache');
    }
    this.key.set(key);
    this.pos = pos;
    this.hasGauss = hasGauss;
    this.gaussNext = gauss;
  }

  /** Regenerate all 624 words (mt19937_gen). */
  private twist(): void {
    const key = this.key;
    let i = 0;
    for (; i < N - M; i++) {
      const y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + M] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; i < N - 1; i++) {
      const y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + (M - N)] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    const y = (key[N - 1] & UPPER_MASK) | (key[0] & LOWER_MASK);
    key[N - 1] = key[M - 1] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.pos = 0;
  }

  /** One tempered 32-bit output, as an unsigned number. */
  nextUint32(): number {
    if (this.pos === N) this.twist();
    let y = this.key[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `random_sample()`: uniform double in [0, 1) with 53 random bits. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `random_sample(n)` as a flat array. */
  randomSampleArray(n: number): Float64Array {
    const out = new Float64Array(checkCount(n));
    for (let i = 0; i < out.length; i++) out[i] = this.randomSample();
    return out;
  }

  /** `standard_normal()`: legacy polar Box-Muller, caching the second value. */
  gauss(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const cached = this.gaussNext;
      this.gaussNext = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    // exactLog unless inexact draws were asked for: V8's log differs from glibc's in the last bit.
    const f = Math.sqrt((-2 * this.log(r2)) / r2);
    this.gaussNext = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** `randn(*dims)` flattened in C order; `randn()` gives one value. */
  randn(...dims: number[]): Float64Array {
    const n = dims.reduce((acc, d) => acc * checkCount(d), 1);
    const out = new Float64Array(checkCount(n));
    for (let i = 0; i < out.length; i++) out[i] = this.gauss();
    return out;
  }

  /**
   * Legacy `random_interval(max)`: uniform integer in [0, max] by masked
   * rejection (used by `shuffle`/`permutation`). max must be < 2**32.
   */
  randomInterval(max: number): number {
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw new Error(`RandomState.randomInterval: max must be an integer in [0, 2**32 - 1], got ${max}`);
    }
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }

  /** Fisher-Yates in place, same draws as `RandomState.shuffle` on a 1-d array. */
  shuffle<T>(items: { length: number; [i: number]: T }): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
  }

  /** `permutation(n)`: shuffled 0..n-1. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(checkCount(n));
    for (let i = 0; i < out.length; i++) out[i] = i;
    this.shuffle(out);
    return out;
  }
}

function checkCount(n: number): number {
  // 2**28 doubles is 2 GiB; anything larger is a bug, not a request.
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 28) {
    throw new Error(`RandomState: bad element count ${n}`);
  }
  return n;
}

/** StyleGAN latent for a seed: `RandomState(seed).randn(1, zDim)` as float32. */
export function seedToZ(seed: number, zDim: number): Float32Array {
  return Float32Array.from(new RandomState(seed).randn(1, zDim));
}
