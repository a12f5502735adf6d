/**
 * Float64 symmetric eigendecomposition (Householder tridiagonalisation + implicit QL, after
 * JAMA's tred2/tql2, itself from EISPACK) and the trace of the square root of a product of
 * covariances, which is all the Frechet distance needs. Matrices are row-major Float64Arrays.
 * Plain JS on purpose: FID is a difference of large numbers and float32 GPUs lose it.
 */

export interface SymEig {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Row i is the unit eigenvector of values[i] (present when vectors were asked for). */
  vectors?: Float64Array;
}

/**
 * Eigenvalues (and optionally eigenvectors) of the symmetric n x n matrix `a` (not modified;
 * only its lower triangle is read).
 */
export function symEig(a: Float64Array, n: number, wantVectors = true): SymEig {
  if (a.length !== n * n) throw new Error(`symEig: ${a.length} values for a ${n}x${n} matrix`);
  if (n === 0) return { values: new Float64Array(0), vectors: wantVectors ? new Float64Array(0) : undefined };
  // Work on the transpose T = V^T (row k of T is column k of V) so that the inner loops of
  // both phases walk memory contiguously; a 2048x2048 problem then takes seconds, not minutes.
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) T[i * n + j] = T[j * n + i] = a[i * n + j];
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(T, d, e, n, wantVectors);
  tql2(T, d, e, n, wantVectors);
  const order = Array.from(d.keys()).sort((x, y) => d[x] - d[y]);
  const values = Float64Array.from(order, (k) => d[k]);
  if (!wantVectors) return { values };
  const vectors = new Float64Array(n * n);
  order.forEach((k, r) => vectors.set(T.subarray(k * n, (k + 1) * n), r * n));
  return { values, vectors };
}

/** Householder reduction of V (stored transposed in T: V[r][c] = T[c*n + r]) to tridiagonal form. */
function tred2(T: Float64Array, d: Float64Array, e: Float64Array, n: number, wantVectors: boolean): void {
  // Notation: V(r, c) := T[c * n + r].
  for (let j = 0; j < n; j++) d[j] = T[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = T[j * n + i - 1];
        T[j * n + i] = 0;
        T[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        T[i * n + j] = f; // V(j, i)
        const col = j * n; // V(., j)
        g = e[j] + T[col + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += T[col + k] * d[k];
          e[k] += T[col + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        const col = j * n;
        for (let k = j; k <= i - 1; k++) T[col + k] -= f * e[k] + g * d[k];
        d[j] = T[col + i - 1];
        T[col + i] = 0;
      }
    }
    d[i] = h;
  }
  if (!wantVectors) {
    // Rows are final once processed: the diagonal of the tridiagonal form is V's diagonal.
    for (let j = 0; j < n; j++) d[j] = T[j * n + j];
    e[0] = 0;
    return;
  }
  // Accumulate transformations.
  for (let i = 0; i < n - 1; i++) {
    T[i * n + n - 1] = T[i * n + i];
    T[i * n + i] = 1;
    const h = d[i + 1];
    const next = (i + 1) * n; // V(., i+1)
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = T[next + k] / h;
      for (let j = 0; j <= i; j++) {
        const col = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += T[next + k] * T[col + k];
        for (let k = 0; k <= i; k++) T[col + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) T[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = T[j * n + n - 1];
    T[j * n + n - 1] = 0;
  }
  T[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); rotations applied to the rows of T (columns of V). */
function tql2(T: Float64Array, d: Float64Array, e: Float64Array, n: number, wantVectors: boolean): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0, tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error('symEig: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (wantVectors) {
            const a = i * n, b = (i + 1) * n;
            for (let k = 0; k < n; k++) {
              const t = T[b + k];
              T[b + k] = s * T[a + k] + c * t;
              T[a + k] = c * T[a + k] - s * t;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** C = A B for row-major n x n matrices (i-k-j order: contiguous inner loop). */
export function matMul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ci = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) c[ci + j] += aik * b[bk + j];
    }
  }
  return c;
}

/** Symmetric PSD square root: V diag(sqrt(max(l, 0))) V^T. */
export function sqrtPsd(a: Float64Array, n: number): Float64Array {
  const { values, vectors } = symEig(a, n, true);
  const v = vectors!;
  // S = sum_k sqrt(l_k) v_k v_k^T = sum_k u_k u_k^T with u_k = l_k^(1/4) v_k.
  const scaled = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const s = Math.sqrt(Math.sqrt(Math.max(values[k], 0)));
    for (let j = 0; j < n; j++) scaled[k * n + j] = v[k * n + j] * s;
  }
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const row = k * n;
    for (let i = 0; i < n; i++) {
      const x = scaled[row + i];
      if (x === 0) continue;
      const oi = i * n;
      for (let j = 0; j < n; j++) out[oi + j] += x * scaled[row + j];
    }
  }
  return out;
}

/**
 * tr sqrt(A B) for symmetric PSD A, B: the eigenvalues of A B equal those of the symmetric
 * sqrt(A) B sqrt(A), whose square roots sum to the trace (negative round-off clamped to 0).
 */
export function traceSqrtProduct(a: Float64Array, b: Float64Array, n: number): number {
  const s = sqrtPsd(a, n);
  const m = matMul(matMul(s, b, n), s, n);
  // Symmetrise away round-off before the symmetric solver.
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) m[i * n + j] = m[j * n + i] = 0.5 * (m[i * n + j] + m[j * n + i]);
  const { values } = symEig(m, n, false);
  let t = 0;
  for (const l of values) t += Math.sqrt(Math.max(l, 0));
  return t;
}
