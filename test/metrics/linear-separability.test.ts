/** Linear SVM (vs sklearn LinearSVC) and conditional entropy (vs NumPy) for the ls metric. */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fitLinearSvm, predictLinearSvm } from '../../src/metrics/linear-svm.js';
import { conditionalEntropy, jointTable, mostConfident, attributeEntropy, linearSeparability } from '../../src/metrics/linear-separability.js';

interface SvmCase {
  n: number; d: number; x: number[]; y: number[];
  coef: number[]; intercept: number; pred: number[];
  coef_default: number[]; intercept_default: number; pred_default: number[];
}
const REF = JSON.parse(fs.readFileSync(new URL('./fixtures/ls-reference.json', import.meta.url), 'utf8')) as {
  svm: SvmCase[]; entropy: { p: number[][]; h: number }[];
  attribute: { n: number; d: number; latents: number[]; logits: number[]; h: number };
};

test('linear SVM matches sklearn LinearSVC (tol 1e-8 optimum, and default settings)', () => {
  for (const c of REF.svm) {
    const x = Float32Array.from(c.x);
    const tight = fitLinearSvm(x, c.n, c.d, c.y, { tol: 1e-8, maxIter: 100000 });
    for (let j = 0; j < c.d; j++) assert.ok(Math.abs(tight.w[j] - c.coef[j]) < 1e-5, `n=${c.n} w[${j}] ${tight.w[j]} vs ${c.coef[j]}`);
    assert.ok(Math.abs(tight.b - c.intercept) < 1e-5, `n=${c.n} b ${tight.b} vs ${c.intercept}`);
    assert.deepEqual(Array.from(predictLinearSvm(tight, x, c.n, c.d)), c.pred);
    // Defaults (tol 1e-4): a different coordinate order stops at a slightly different point.
    const def = fitLinearSvm(x, c.n, c.d, c.y);
    for (let j = 0; j < c.d; j++) assert.ok(Math.abs(def.w[j] - c.coef_default[j]) < 2e-3, `n=${c.n} default w[${j}]`);
    assert.ok(Math.abs(def.b - c.intercept_default) < 2e-3);
    assert.deepEqual(Array.from(predictLinearSvm(def, x, c.n, c.d)), c.pred_default);
  }
});

test('linear SVM: closed-form separable case (two points)', () => {
  // Points +-a on one axis, no intercept: the dual min of a^2(a1+a2)^2/2 + (a1^2+a2^2)/(4C) - a1 - a2
  // is symmetric, alpha = 1 / (2a^2 + 1/(2C)), and w = sum alpha_i y_i x_i = 2 alpha a.
  for (const [a, C] of [[1, 1], [2, 0.5], [0.5, 10]]) {
    const m = fitLinearSvm(Float64Array.from([a, -a]), 2, 1, [1, 0], { C, interceptScaling: 0, tol: 1e-12, maxIter: 10000 });
    const alpha = 1 / (2 * a * a + 0.5 / C);
    assert.ok(Math.abs(m.w[0] - 2 * alpha * a) < 1e-9, `a=${a} C=${C}: ${m.w[0]}`);
    assert.equal(m.b, 0);
  }
  // Widely separated clusters are predicted perfectly.
  const x = Float64Array.from([5, 5, 6, 4, 4, 6, -5, -5, -6, -4, -4, -6]);
  const m = fitLinearSvm(x, 6, 2, [1, 1, 1, 0, 0, 0]);
  assert.deepEqual(Array.from(predictLinearSvm(m, x, 6, 2)), [1, 1, 1, 0, 0, 0]);
});

test('conditional entropy matches NumPy (bits)', () => {
  for (const { p, h } of REF.entropy) assert.ok(Math.abs(conditionalEntropy(p) - h) < 1e-6, `${JSON.stringify(p)}: ${conditionalEntropy(p)} vs ${h}`);
  assert.deepEqual(jointTable([0, 1, 1, 0], [0, 1, 0, 0]), [[0.5, 0], [0.25, 0.25]]);
});

test('most confident half, targets from logits, perfect separation scores 1', () => {
  assert.deepEqual(mostConfident(Float32Array.from([0.1, -3, 2, 0, -0.5]), 3), [1, 2, 4]);
  // Labels decided by the sign of z0: a linear SVM separates them, H = 0, score 2^0 = 1.
  const n = 64, d = 3;
  const z = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.7 + 0.3) * 2);
  const logits = Float32Array.from({ length: n }, (_, i) => z[i * d] * 4);
  assert.equal(attributeEntropy(z, n, d, logits, n / 2), 0);
  // One class only among the kept samples: perfect prediction assumed, as the reference.
  assert.equal(attributeEntropy(z, n, d, Float32Array.from({ length: n }, () => 1), n / 2), 0);
  const r = linearSeparability(z, d, z, d, [logits, logits]);
  assert.equal(r.ls_z, 1);
  assert.equal(r.ls_w, 1);
  // Labels independent of the latents (pseudo-random): H(Y|X) close to H(Y) > 0.
  const noise = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
  const h = attributeEntropy(z, n, d, noise, n / 2);
  assert.ok(h > 0.3 && h <= 1, `${h}`);
});

test('one attribute end to end (prune, labels, SVM, H) matches sklearn + NumPy', () => {
  const a = REF.attribute;
  const h = attributeEntropy(Float32Array.from(a.latents), a.n, a.d, Float32Array.from(a.logits), a.n / 2);
  assert.ok(Math.abs(h - a.h) < 1e-6, `${h} vs ${a.h}`);
  assert.ok(h > 0.1);
});
