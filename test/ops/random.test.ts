import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { fillStandardNormal, randomNormal } from '../../src/ops/random.js';

test('unseeded noise is N(0, 1): mean, variance, tails and a fresh stream per call', () => {
  const a = fillStandardNormal(new Float32Array(200_001));  // odd length: the last pair's half
  const n = a.length;
  const mean = a.reduce((s, v) => s + v, 0) / n;
  const varc = a.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  const beyond2 = a.filter((v) => Math.abs(v) > 2).length / n;  // 4.55% for a normal
  assert.ok(Math.abs(mean) < 0.015, `mean ${mean}`);
  assert.ok(Math.abs(varc - 1) < 0.02, `variance ${varc}`);
  assert.ok(Math.abs(beyond2 - 0.0455) < 0.004, `P(|x| > 2) = ${beyond2}`);
  assert.ok(Number.isFinite(a[n - 1]) && a[n - 1] !== 0);
  // Neighbouring values (the two halves of a Box-Muller pair) are uncorrelated.
  let c = 0;
  for (let i = 0; i + 1 < n; i += 2) c += a[i] * a[i + 1];
  assert.ok(Math.abs(c / (n / 2)) < 0.015, `pair correlation ${c / (n / 2)}`);
  const b = randomNormal([4, 5]).dataSync(), b2 = randomNormal([4, 5]).dataSync();
  assert.notDeepEqual(Array.from(b), Array.from(b2));
});

test('seeded noise is tf.randomNormal\'s stream (the same on every backend)', () => {
  const want = tf.randomNormal([3, 7], 0, 1, 'float32', 42).dataSync();
  assert.deepEqual(Array.from(randomNormal([3, 7], 42).dataSync()), Array.from(want));
});
