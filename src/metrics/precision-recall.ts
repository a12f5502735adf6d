/**
 * Improved precision and recall (Kynkaanniemi et al. 2019) as NVIDIA's
 * metrics/precision_recall.py: each manifold point's radius is the distance to its k-th
 * nearest neighbour in its own set (kthvalue(k + 1): the point itself is the first);
 * precision = share of generated points inside some real ball, recall = share of real
 * points inside some generated ball. Distances are Euclidean from |a|^2 + |b|^2 - 2 a.b (as
 * torch.cdist on large inputs): in Float64 JS for small sets, in blocks of float32 tfjs
 * matMuls for large ones (NVIDIA itself uses float16 features).
 */
import * as tf from '@tensorflow/tfjs-core';
import { readTensors } from '../backend/gpu-reads.js';

export type DistanceMode = 'js' | 'tfjs' | 'auto';
const ROW_BLOCK = 512;

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

/** k-th smallest (0-based) of v[0..n), keeping the k+1 smallest in a small sorted buffer. */
function kthSmallest(v: ArrayLike<number>, k: number, n = v.length): number {
  const best = new Float64Array(k + 1).fill(Infinity);
  for (let j = 0; j < n; j++) {
    const x = v[j];
    if (x >= best[k]) continue;
    let p = k;
    while (p > 0 && best[p - 1] > x) {
      best[p] = best[p - 1];
      p--;
    }
    best[p] = x;
  }
  return best[k];
}

/** Squared distances of rows [r0, r0 + rows) of a to all of b, [rows, nb], via one tfjs matMul (on the GPU on webgpu). */
async function blockDistancesTf(a: tf.Tensor2D, na: Float64Array, r0: number, rows: number, b: tf.Tensor2D, nb: Float64Array): Promise<Float32Array> {
  const g = tf.tidy(() => tf.matMul(tf.slice(a, [r0, 0], [rows, -1]), b, false, true));
  const [out] = await readTensors([g], { dispose: true });
  const n = nb.length;
  for (let i = 0; i < rows; i++) for (let j = 0; j < n; j++) out[i * n + j] = Math.max(na[r0 + i] + nb[j] - 2 * out[i * n + j], 0);
  return out;
}

async function coverageTf(manifold: Float32Array, probes: Float32Array, d: number, k: number, nm: Float64Array, np: Float64Array): Promise<number> {
  const M = tf.tensor2d(manifold, [nm.length, d]), P = tf.tensor2d(probes, [np.length, d]);
  try {
    const radii = new Float64Array(nm.length);
    for (let r = 0; r < nm.length; r += ROW_BLOCK) {
      const rows = Math.min(ROW_BLOCK, nm.length - r);
      const dist = await blockDistancesTf(M, nm, r, rows, M, nm);
      for (let i = 0; i < rows; i++) radii[r + i] = kthSmallest(dist.subarray(i * nm.length, (i + 1) * nm.length), k);
    }
    let inside = 0;
    for (let r = 0; r < np.length; r += ROW_BLOCK) {
      const rows = Math.min(ROW_BLOCK, np.length - r);
      const dist = await blockDistancesTf(P, np, r, rows, M, nm);
      for (let i = 0; i < rows; i++) {
        const o = i * nm.length;
        for (let j = 0; j < nm.length; j++) {
          if (dist[o + j] <= radii[j]) {
            inside++;
            break;
          }
        }
      }
    }
    return inside / np.length;
  } finally {
    tf.dispose([M, P]);
  }
}

/** Share of probes within the k-NN radius of some manifold point. */
export async function manifoldCoverage(manifold: Float32Array, probes: Float32Array, d: number, k: number, mode: DistanceMode = 'auto'): Promise<number> {
  const nm = sqNorms(manifold, d), np = sqNorms(probes, d);
  if (nm.length <= k) throw new Error(`precision/recall: need more than k=${k} features, got ${nm.length}`);
  if (mode === 'tfjs' || (mode === 'auto' && nm.length * (nm.length + np.length) * d > 1e8)) return coverageTf(manifold, probes, d, k, nm, np);
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

export async function precisionRecall(real: Float32Array, gen: Float32Array, d: number, k = 3, mode: DistanceMode = 'auto'): Promise<{ precision: number; recall: number }> {
  return { precision: await manifoldCoverage(real, gen, d, k, mode), recall: await manifoldCoverage(gen, real, d, k, mode) };
}
