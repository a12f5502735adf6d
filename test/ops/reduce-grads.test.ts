import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../src/backend/node.js';
import { registerReduceGradients } from '../../src/ops/reduce-grads.js';

test('Sum and Mean gradients (broadcast dy): values, keepDims, negative axes, second order', async () => {
  await initNodeBackend('cpu', true);
  registerReduceGradients();
  const x = tf.tensor3d(Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 3), [2, 3, 4]);
  const w = tf.tensor2d(Float32Array.from({ length: 8 }, (_, i) => i - 3.5), [2, 4]);
  const wb = tf.reshape(w, [2, 1, 4]);
  for (const keepDims of [false, true]) {
    const gs = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.reshape(tf.sum(v, 1, keepDims), [2, 4]), w)))(x);
    assert.deepEqual(Array.from(gs.dataSync()), Array.from(tf.mul(tf.onesLike(x), wb).dataSync()), `sum keepDims=${keepDims}`);
    const gm = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.reshape(tf.mean(v, -2, keepDims), [2, 4]), w)))(x);
    assert.deepEqual(Array.from(gm.dataSync()), Array.from(tf.mul(tf.onesLike(x), tf.div(wb, 3)).dataSync()), `mean keepDims=${keepDims}`);
  }
  // All axes, and a gradient of a gradient: d/dx sum(d/dx sum(x^2 * 5)) = 10 everywhere.
  assert.deepEqual(Array.from(tf.grad((v: tf.Tensor) => tf.mul(tf.mean(v), 24))(x).dataSync()), Array(24).fill(1));
  const gg = tf.grad((v: tf.Tensor) => tf.sum(tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.square(u), 5)))(v)))(x);
  assert.deepEqual(Array.from(gg.dataSync()), Array(24).fill(10));
  // Rank 5 (modulated conv weights), where Tile has no gradient of its own, also second order.
  const x5 = tf.reshape(x, [2, 3, 2, 2, 1]);
  const g5 = tf.grad((v: tf.Tensor) => tf.sum(tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.sum(tf.square(u), [1, 3]), 5)))(v)))(x5);
  assert.deepEqual(Array.from(g5.dataSync()), Array(24).fill(10));
});
