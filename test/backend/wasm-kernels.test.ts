import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../src/backend/node.js';

// The wasm filter gradient must equal the cpu backend's reference kernel.
async function filterGrad(backend: 'wasm' | 'cpu', x: Float32Array, xs: number[], dy: Float32Array, dys: number[],
  fs: [number, number, number, number], strides: number, pad: 'same' | 'valid' | number) {
  await tf.setBackend(backend);
  return tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropFilter',
    { x: tf.tensor4d(x, xs as [number, number, number, number]), dy: tf.tensor4d(dy, dys as [number, number, number, number]) },
    { strides, pad, dataFormat: 'NHWC', filterShape: fs }) as tf.Tensor).dataSync());
}

test('Conv2DBackpropFilter on wasm matches cpu', async () => {
  await initNodeBackend('wasm', true);
  const cases: Array<{ xs: number[]; fs: [number, number, number, number]; s: number; pad: 'same' | 'valid' | number }> = [
    { xs: [1, 5, 5, 1], fs: [3, 3, 1, 1], s: 1, pad: 'same' },
    { xs: [2, 8, 8, 3], fs: [3, 3, 3, 4], s: 1, pad: 'same' },
    { xs: [3, 7, 6, 2], fs: [3, 3, 2, 5], s: 1, pad: 'valid' },
    { xs: [2, 8, 8, 3], fs: [4, 4, 3, 2], s: 2, pad: 1 },
    { xs: [1, 9, 9, 2], fs: [3, 3, 2, 2], s: 2, pad: 'same' },
    { xs: [2, 4, 4, 6], fs: [1, 1, 6, 3], s: 1, pad: 'valid' },
  ];
  for (const c of cases) {
    const name = `x=[${c.xs}] f=[${c.fs}] s=${c.s} pad=${c.pad}`;
    const outShape = tf.backend_util.computeConv2DInfo(c.xs as [number, number, number, number], c.fs, c.s, 1, c.pad).outShape;
    const x = Float32Array.from({ length: c.xs.reduce((a, b) => a * b) }, (_, i) => Math.sin(i * 1.3));
    const dy = Float32Array.from({ length: outShape.reduce((a, b) => a * b) }, (_, i) => Math.cos(i * 0.7));
    const ref = await filterGrad('cpu', x, c.xs, dy, outShape, c.fs, c.s, c.pad);
    const got = await filterGrad('wasm', x, c.xs, dy, outShape, c.fs, c.s, c.pad);
    assert.equal(got.length, ref.length, name);
    for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(got[i] - ref[i]) <= 1e-4 * (1 + Math.abs(ref[i])), `${name} [${i}] ${got[i]} vs ${ref[i]}`);
  }
  await tf.setBackend('wasm');
});

test('Conv2DBackpropInput on wasm (our stride-1 path and the original strided one) matches cpu', async () => {
  await initNodeBackend('wasm', true);
  const cases: Array<{ xs: [number, number, number, number]; fs: [number, number, number, number]; s: number; pad: 'same' | 'valid' | number }> = [
    { xs: [1, 5, 5, 1], fs: [3, 3, 1, 1], s: 1, pad: 'same' },
    { xs: [2, 8, 8, 3], fs: [3, 3, 3, 4], s: 1, pad: 'same' },
    { xs: [3, 7, 6, 2], fs: [3, 3, 2, 5], s: 1, pad: 'valid' },
    { xs: [2, 6, 6, 2], fs: [4, 4, 2, 3], s: 1, pad: 'same' },
    { xs: [1, 6, 6, 2], fs: [3, 3, 2, 2], s: 1, pad: 2 },
    { xs: [2, 8, 8, 3], fs: [4, 4, 3, 2], s: 2, pad: 'same' },
  ];
  for (const c of cases) {
    const name = `x=[${c.xs}] f=[${c.fs}] s=${c.s} pad=${c.pad}`;
    const outShape = tf.backend_util.computeConv2DInfo(c.xs, c.fs, c.s, 1, c.pad).outShape;
    const w = Float32Array.from({ length: c.fs.reduce((a, b) => a * b) }, (_, i) => Math.sin(i * 1.1));
    const dy = Float32Array.from({ length: outShape.reduce((a, b) => a * b) }, (_, i) => Math.cos(i * 0.7));
    const run = async (b: 'cpu' | 'wasm') => {
      await tf.setBackend(b);
      return tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(dy, outShape), filter: tf.tensor4d(w, c.fs) },
        { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: c.xs }) as tf.Tensor).dataSync());
    };
    const ref = await run('cpu');
    const got = await run('wasm');
    assert.equal(got.length, ref.length, name);
    for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(got[i] - ref[i]) <= 1e-4 * (1 + Math.abs(ref[i])), `${name} [${i}] ${got[i]} vs ${ref[i]}`);
  }
  await tf.setBackend('wasm');
});
