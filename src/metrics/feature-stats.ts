/**
 * Running feature statistics, as NVIDIA's metrics/metric_utils.py FeatureStats: a Float64
 * sum and sum of outer products (for mean and covariance), and optionally every feature
 * (for KID and precision/recall), with an optional cap on the count.
 */

export class FeatureStats {
  num = 0;
  private readonly sum: Float64Array;
  private readonly sumCov?: Float64Array;
  private all: Float32Array[] = [];

  constructor(readonly dim: number, readonly opts: { captureAll?: boolean; captureMeanCov?: boolean; maxItems?: number } = {}) {
    this.sum = new Float64Array(dim);
    if (opts.captureMeanCov) this.sumCov = new Float64Array(dim * dim);
  }

  get isFull(): boolean {
    return this.opts.maxItems !== undefined && this.num >= this.opts.maxItems;
  }

  /** Adds rows of x [n, dim]; rows past maxItems are dropped (as NVIDIA's). */
  append(x: Float32Array | Float64Array): void {
    const d = this.dim;
    if (x.length % d !== 0) throw new Error(`FeatureStats: ${x.length} values are not rows of ${d}`);
    let n = x.length / d;
    if (this.opts.maxItems !== undefined) n = Math.min(n, this.opts.maxItems - this.num);
    if (n <= 0) return;
    if (this.opts.captureAll) this.all.push(Float32Array.from(x.subarray(0, n * d)));
    const row = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < d; i++) row[i] = x[r * d + i];
      for (let i = 0; i < d; i++) this.sum[i] += row[i];
      const c = this.sumCov;
      if (!c) continue;
      // Upper triangle only; mirrored in meanCov().
      for (let i = 0; i < d; i++) {
        const xi = row[i];
        if (xi === 0) continue; // ReLU features are often exactly 0
        const o = i * d;
        for (let j = i; j < d; j++) c[o + j] += xi * row[j];
      }
    }
    this.num += n;
  }

  /** Mean and covariance normalised by N (NVIDIA's get_mean_cov; not N-1). */
  meanCov(): { mean: Float64Array; cov: Float64Array } {
    if (!this.sumCov) throw new Error('FeatureStats: mean/cov were not captured');
    if (this.num === 0) throw new Error('FeatureStats: no features');
    const d = this.dim, n = this.num;
    const mean = Float64Array.from(this.sum, (s) => s / n);
    const cov = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) cov[i * d + j] = cov[j * d + i] = this.sumCov[i * d + j] / n - mean[i] * mean[j];
    }
    return { mean, cov };
  }

  /** Every captured feature [num, dim]. */
  getAll(): Float32Array {
    if (!this.opts.captureAll) throw new Error('FeatureStats: features were not captured');
    const out = new Float32Array(this.num * this.dim);
    let o = 0;
    for (const a of this.all) {
      out.set(a, o);
      o += a.length;
    }
    return out;
  }

  /** Raw sums (mean/cov) or all features, for the statistics cache. */
  toCache(): { num: number; tensors: Record<string, Float64Array | Float32Array> } {
    const tensors: Record<string, Float64Array | Float32Array> = {};
    if (this.sumCov) {
      tensors.sum = this.sum;
      tensors.sumCov = this.sumCov;
    }
    if (this.opts.captureAll) tensors.all = this.getAll();
    return { num: this.num, tensors };
  }

  static fromCache(dim: number, c: { num: number; tensors: Record<string, Float64Array | Float32Array> }, capture: 'meancov' | 'all'): FeatureStats {
    const s = new FeatureStats(dim, { captureMeanCov: capture === 'meancov', captureAll: capture === 'all' });
    if (capture === 'meancov') {
      if (!c.tensors.sum || !c.tensors.sumCov) throw new Error('statistics cache: missing sums');
      s.sum.set(c.tensors.sum);
      s.sumCov!.set(c.tensors.sumCov);
    } else {
      if (!c.tensors.all) throw new Error('statistics cache: missing features');
      s.all = [Float32Array.from(c.tensors.all)];
    }
    s.num = c.num;
    return s;
  }
}
