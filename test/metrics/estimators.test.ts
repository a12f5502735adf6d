/** FID / KID / precision-recall against closed forms and NumPy/SciPy references (fixtures/reference.json). */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { symEig, traceSqrtProduct } from '../../src/metrics/linalg.js';
import { frechetDistance } from '../../src/metrics/frechet.js';
import { FeatureStats } from '../../src/metrics/feature-stats.js';
import { kernelInceptionDistance } from '../../src/metrics/kid.js';
import { precisionRecall } from '../../src/metrics/precision-recall.js';
import { RandomState } from '../../src/sampling/rng.js';

const REF = JSON.parse(fs.readFileSync(new URL('./fixtures/reference.json', import.meta.url), 'utf8'));
export const f32 = (b64: string): Float32Array => {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};
const close = (a: number, b: number, rel: number, what: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

function stats(x: Float32Array, d: number) {
  const s = new FeatureStats(d, { captureMeanCov: true });
  s.append(x);
  return s.meanCov();
}

/** Random orthogonal matrix (Gram-Schmidt of a Gaussian matrix). */
function orthogonal(n: number, rng: RandomState): Float64Array {
  const q = rng.randn(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += q[i * n + k] * q[j * n + k];
      for (let k = 0; k < n; k++) q[i * n + k] -= dot * q[j * n + k];
    }
    let norm = 0;
    for (let k = 0; k < n; k++) norm += q[i * n + k] ** 2;
    for (let k = 0; k < n; k++) q[i * n + k] /= Math.sqrt(norm);
  }
  return q;
}

/** Q^T diag(l) Q. */
function withSpectrum(q: Float64Array, l: number[]): Float64Array {
  const n = l.length, out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += q[k * n + i] * l[k] * q[k * n + j];
    out[i * n + j] = s;
  }
  return out;
}

test('symEig recovers a known spectrum and orthonormal eigenvectors', () => {
  const n = 30, rng = new RandomState(3);
  const l = Array.from({ length: n }, (_, i) => (i - 5) * 0.7 + 0.01 * i * i);
  const a = withSpectrum(orthogonal(n, rng), l);
  const { values, vectors } = symEig(a, n);
  const sorted = [...l].sort((x, y) => x - y);
  values.forEach((v, i) => close(v, sorted[i], 1e-12, `eigenvalue ${i}`));
  symEig(a, n, false).values.forEach((v, i) => close(v, sorted[i], 1e-12, `eigenvalue ${i} (values only)`));
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j] * vectors![k * n + j];
      assert.ok(Math.abs(av - values[k] * vectors![k * n + i]) < 1e-12, 'A v = l v');
    }
  }
});

test('Frechet distance of Gaussians matches the closed form for commuting covariances', () => {
  // S1 = Q^T diag(a) Q, S2 = Q^T diag(b) Q: FID = |mu1 - mu2|^2 + sum (sqrt(a) - sqrt(b))^2.
  const n = 12, q = orthogonal(n, new RandomState(4));
  const a = Array.from({ length: n }, (_, i) => 0.5 + i), b = Array.from({ length: n }, (_, i) => 2 + 0.3 * i * i);
  const mu1 = Array.from({ length: n }, (_, i) => i * 0.1), mu2 = Array.from({ length: n }, (_, i) => 1 - i * 0.05);
  let expected = 0;
  for (let i = 0; i < n; i++) expected += (mu1[i] - mu2[i]) ** 2 + (Math.sqrt(a[i]) - Math.sqrt(b[i])) ** 2;
  close(frechetDistance(mu1, withSpectrum(q, a), mu2, withSpectrum(q, b)), expected, 1e-10, 'FID closed form');
  close(frechetDistance(mu1, withSpectrum(q, a), mu1, withSpectrum(q, a)), 0, 1e-10, 'identical Gaussians');
  // Non-commuting 2x2: tr sqrt(A B) with A = diag(4, 1), B = [[2, 1], [1, 2]] has eigenvalues of AB.
  const A = Float64Array.of(4, 0, 0, 1), B = Float64Array.of(2, 1, 1, 2);
  // AB = [[8, 4], [1, 2]]: trace 10, det 12 -> eigenvalues 5 +- sqrt(13).
  close(traceSqrtProduct(A, B, 2), Math.sqrt(5 + Math.sqrt(13)) + Math.sqrt(5 - Math.sqrt(13)), 1e-12, 'tr sqrt(AB)');
});

test('FID matches scipy.linalg.sqrtm on NumPy features (NVIDIA mean/cov normalised by N)', () => {
  const d = REF.dim, gen = f32(REF.gen), real = f32(REF.real);
  const g = stats(gen, d), r = stats(real, d);
  close(frechetDistance(g.mean, g.cov, r.mean, r.cov), REF.fid, 1e-9, 'FID');
  close(frechetDistance(g.mean, g.cov, g.mean, g.cov), 0, 1e-9, 'FID of a set with itself');
  const s = REF.singular;
  const gs = stats(f32(s.gen), s.dim), rs = stats(f32(s.real), s.dim);
  close(frechetDistance(gs.mean, gs.cov, rs.mean, rs.cov), s.fid, 1e-7, 'FID with singular covariances');
});

test('FeatureStats mean/cov by batches equals one pass, and maxItems caps the count', () => {
  const d = REF.dim, gen = f32(REF.gen);
  const a = new FeatureStats(d, { captureMeanCov: true, captureAll: true, maxItems: 45 });
  a.append(gen.subarray(0, 20 * d));
  a.append(gen.subarray(20 * d));
  assert.equal(a.num, 45);
  assert.ok(a.isFull);
  const b = stats(gen.subarray(0, 45 * d), d);
  const m = a.meanCov();
  m.cov.forEach((v, i) => close(v, b.cov[i], 1e-12, 'cov'));
  assert.deepEqual(a.getAll(), gen.subarray(0, 45 * d));
});

test('KID matches NumPy (same RandomState subsets)', async () => {
  const d = REF.dim, gen = f32(REF.gen), real = f32(REF.real);
  for (const k of [REF.kid, REF.kid_full]) {
    const v = await kernelInceptionDistance(gen, real, d, { numSubsets: k.numSubsets, maxSubsetSize: k.maxSubsetSize, rng: new RandomState(k.seed) });
    close(v, k.value, 1e-10, `KID subsets ${k.numSubsets}x${k.maxSubsetSize}`);
  }
  // Unbiased: two halves of one distribution give about 0; a shifted set does not.
  const rng = new RandomState(9), n = 400, dd = 4;
  const x = Float32Array.from(rng.randn(n, dd)), y = Float32Array.from(rng.randn(n, dd));
  const same = await kernelInceptionDistance(x, y, dd, { numSubsets: 5 });
  const shifted = await kernelInceptionDistance(x, y.map((v) => v + 1), dd, { numSubsets: 5 });
  assert.ok(Math.abs(same) < 0.02, `KID same distribution ${same}`);
  assert.ok(shifted > 0.5, `KID shifted ${shifted}`);
});

test('precision/recall (k=3) match the NumPy brute force; identical sets give 1, 1', async () => {
  const d = REF.dim, gen = f32(REF.gen), real = f32(REF.real);
  const pr = await precisionRecall(real, gen, d, REF.pr.k);
  assert.equal(pr.precision, REF.pr.precision);
  assert.equal(pr.recall, REF.pr.recall);
  assert.deepEqual(await precisionRecall(real, real, d, 3), { precision: 1, recall: 1 });
  const far = await precisionRecall(real, gen.map((v) => v + 100), d, 3);
  assert.deepEqual(far, { precision: 0, recall: 0 });
});

test('RandomState.randomInterval reproduces legacy randint(low, high)', () => {
  const r = REF.randint, rng = new RandomState(r.seed);
  assert.deepEqual(r.values.map(() => r.low + rng.randomInterval(r.high - r.low - 1)), r.values);
});

test('Inception Score and the PPL percentile filter match NumPy', async () => {
  const { inceptionScore } = await import('../../src/metrics/inception-score.js');
  const { pplFromDistances } = await import('../../src/metrics/ppl.js');
  const is = inceptionScore(f32(REF.is.logits), REF.is.classes, 10);
  close(is.mean, REF.is.mean, 1e-6, 'IS mean');
  close(is.std, REF.is.std, 1e-5, 'IS std');
  close(pplFromDistances(REF.ppl.distances), REF.ppl.value, 1e-12, 'PPL filtered mean');
});

test('KID and precision/recall: the tfjs matMul paths agree with the Float64 JS paths', async () => {
  const { setup } = await import('../helpers.js');
  await setup();
  const rng = new RandomState(21), d = 64;
  // Non-negative, Inception-like features; two slightly different distributions.
  const x = Float32Array.from(rng.randn(300, d), (v) => Math.max(0, v + 0.3));
  const y = Float32Array.from(rng.randn(250, d), (v) => Math.max(0, v + 0.5));
  const o = { numSubsets: 4, maxSubsetSize: 200 };
  const js = await kernelInceptionDistance(x, y, d, { ...o, gram: 'js', rng: new RandomState(1) });
  const tfv = await kernelInceptionDistance(x, y, d, { ...o, gram: 'tfjs', rng: new RandomState(1) });
  assert.ok(Math.abs(js - tfv) < 1e-5 * Math.abs(js) + 1e-9, `KID js ${js} vs tfjs ${tfv}`);
  const a = await precisionRecall(x, y, d, 3, 'js'), b = await precisionRecall(x, y, d, 3, 'tfjs');
  assert.ok(a.precision > 0 && a.precision < 1 && a.recall > 0 && a.recall < 1, JSON.stringify(a));
  assert.deepEqual(b, a);
});
