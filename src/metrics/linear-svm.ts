/**
 * Linear SVM as sklearn's `svm.LinearSVC()` with its defaults, which NVIDIA's
 * metrics/linear_separability.py uses: L2-regularized squared hinge loss solved in the
 * dual (liblinear's solver 1, dual coordinate descent with shrinking, Hsieh et al. 2008),
 * C = 1, tol = 1e-4, max_iter = 1000, and the intercept learned as an extra constant
 * feature of value intercept_scaling = 1 (so, like liblinear, the bias is regularized too).
 *
 * liblinear visits coordinates in a random order from its own RNG; we use a seeded
 * permutation instead, so the optimum (unique: the problem is strictly convex) matches
 * sklearn to within the stopping tolerance, not bit for bit.
 */

export interface LinearSvmOptions {
  /** Inverse regularization strength (sklearn C). */
  C?: number;
  /** Stopping tolerance on the projected-gradient spread (liblinear eps). */
  tol?: number;
  maxIter?: number;
  /** Value of the constant feature that carries the bias; 0 = no intercept. */
  interceptScaling?: number;
  seed?: number;
}

export interface LinearSvm {
  /** Weights, one per feature. */
  w: Float64Array;
  /** Intercept (= weight of the constant feature times interceptScaling). */
  b: number;
  iterations: number;
}

/** Small xorshift32 for the coordinate order; the exact RNG only changes the path, not the optimum. */
function rng(seed: number): () => number {
  let s = (seed >>> 0) || 0x9e3779b9;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * Fits on `x` (n rows of d features, row-major) with labels 0/1 (as NVIDIA's argmax targets).
 * With one class only, sklearn raises; callers (as NVIDIA) then assume perfect prediction.
 */
export function fitLinearSvm(x: Float32Array | Float64Array, n: number, d: number, labels: ArrayLike<number>, o: LinearSvmOptions = {}): LinearSvm {
  const C = o.C ?? 1, eps = o.tol ?? 1e-4, maxIter = o.maxIter ?? 1000, bias = o.interceptScaling ?? 1;
  if (x.length !== n * d || labels.length !== n) throw new Error(`fitLinearSvm: ${x.length} values for ${n}x${d}, ${labels.length} labels`);
  // liblinear maps the first label seen to +1; sklearn's classes_ are sorted, so class 1 is +1.
  const y = new Int8Array(n);
  for (let i = 0; i < n; i++) y[i] = labels[i] > 0 ? 1 : -1;
  const D = d + (bias > 0 ? 1 : 0);
  const w = new Float64Array(D);
  const alpha = new Float64Array(n);
  // Squared hinge: diag = 1/(2C), upper bound infinite (liblinear solve_l2r_l1l2_svc, L2 case).
  const diag = 0.5 / C;
  const QD = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = diag + (bias > 0 ? bias * bias : 0);
    for (let j = 0; j < d; j++) s += x[i * d + j] * x[i * d + j];
    QD[i] = s;
  }
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  const rand = rng(o.seed ?? 1);
  let active = n;
  // Only the upper bound is used for shrinking: alpha has no upper bound with the squared hinge.
  let PGmaxOld = Infinity;
  let iter = 0;
  while (iter < maxIter) {
    let PGmax = -Infinity, PGmin = Infinity;
    for (let i = 0; i < active; i++) {
      const j = i + Math.floor(rand() * (active - i));
      const t = index[i]; index[i] = index[j]; index[j] = t;
    }
    for (let s = 0; s < active; s++) {
      const i = index[s];
      const yi = y[i];
      const row = i * d;
      let G = 0;
      for (let j = 0; j < d; j++) G += w[j] * x[row + j];
      if (bias > 0) G += w[d] * bias;
      G = G * yi - 1 + alpha[i] * diag;
      let PG = 0;
      if (alpha[i] === 0) {
        // Shrinking: a bound variable whose gradient points outward is set aside for now.
        if (G > PGmaxOld) {
          active--;
          const t = index[s]; index[s] = index[active]; index[active] = t;
          s--;
          continue;
        } else if (G < 0) PG = G;
      } else PG = G;
      if (PG > PGmax) PGmax = PG;
      if (PG < PGmin) PGmin = PG;
      if (Math.abs(PG) > 1e-12) {
        const old = alpha[i];
        alpha[i] = Math.max(old - G / QD[i], 0);
        const dlt = (alpha[i] - old) * yi;
        for (let j = 0; j < d; j++) w[j] += dlt * x[row + j];
        if (bias > 0) w[d] += dlt * bias;
      }
    }
    iter++;
    if (PGmax - PGmin <= eps) {
      if (active === n) break;
      // Converged on the active set: recheck everything once before stopping (as liblinear).
      active = n;
      PGmaxOld = Infinity;
      continue;
    }
    PGmaxOld = PGmax <= 0 ? Infinity : PGmax;
  }
  return { w: w.slice(0, d), b: bias > 0 ? w[d] * bias : 0, iterations: iter };
}

/** Decision values x.w + b. */
export function decisionFunction(m: LinearSvm, x: Float32Array | Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = m.b;
    for (let j = 0; j < d; j++) s += m.w[j] * x[i * d + j];
    out[i] = s;
  }
  return out;
}

/** Predicted labels 0/1 (class 1 where the decision value is positive, as sklearn). */
export function predictLinearSvm(m: LinearSvm, x: Float32Array | Float64Array, n: number, d: number): Uint8Array {
  return Uint8Array.from(decisionFunction(m, x, n, d), (v) => (v > 0 ? 1 : 0));
}
