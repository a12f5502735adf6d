/**
 * Improved precision and recall (Kynkaanniemi et al. 2019) as NVIDIA's
 * metrics/precision_recall.py: each manifold point's radius is the distance to its k-th
 * nearest neighbour in its own set (kthvalue(k + 1): the point itself is the first);
 * precision = share of generated points inside some real ball, recall = share of real
 * points inside some generated ball. Distances are Euclidean, computed in Float64 from
 * |a|^2 + |b|^2 - 2 a.b (as torch.cdist on large inputs).
 */

function sqNorms(x: Float32Array, d: number): Float64Array {
  const n = x.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[i * d + k] ** 2;
    out[i] = s;
  }
  return out;
}

/** Squared distances of row i of a to every row of b. */
function rowDistances(a: Float32Array, na: Float64Array, i: number, b: Float32Array, nb: Float64Array, d: number, out: Float64Array): void {
  const o = i * d;
  for (let j = 0; j < nb.length; j++) {
    const p = j * d;
    let dot = 0;
    for (let k = 0; k < d; k++) dot += a[o + k] * b[p + k];
    out[j] = Math.max(na[i] + nb[j] - 2 * dot, 0);
  }
}

/** k-th smallest (0-based) of a Float64Array, by partial sort of a copy. */
function kthSmallest(v: Float64Array, k: number): number {
  return Float64Array.from(v).sort()[k];
}

/** Share of probes within the k-NN radius of some manifold point. */
export function manifoldCoverage(manifold: Float32Array, probes: Float32Array, d: number, k: number): number {
  const nm = sqNorms(manifold, d), np = sqNorms(probes, d);
  if (nm.length <= k) throw new Error(`precision/recall: need more than k=${k} features, got ${nm.length}`);
  const radii = new Float64Array(nm.length);
  const row = new Float64Array(nm.length);
  for (let i = 0; i < nm.length; i++) {
    rowDistances(manifold, nm, i, manifold, nm, d, row);
    radii[i] = kthSmallest(row, k);
  }
  let inside = 0;
  for (let i = 0; i < np.length; i++) {
    rowDistances(probes, np, i, manifold, nm, d, row);
    for (let j = 0; j < nm.length; j++) {
      if (row[j] <= radii[j]) {
        inside++;
        break;
      }
    }
  }
  return inside / np.length;
}

export function precisionRecall(real: Float32Array, gen: Float32Array, d: number, k = 3): { precision: number; recall: number } {
  return { precision: manifoldCoverage(real, gen, d, k), recall: manifoldCoverage(gen, real, d, k) };
}
