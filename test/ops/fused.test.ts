/**
 * The native backend's fused kernels against the composite tfjs ops they replace (run on the
 * cpu backend): values, gradients and gradients of gradients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../src/backend/node.js';
import { FUSED, hasFusedKernel } from '../../src/ops/fused.js';
import { biasAct, setupFilter, upfirdn2d, type Activation, type UpFirDnOptions } from '../../src/networks/stylegan2/ops.js';
import { lrelu } from '../../src/ops/activation.js';
import { Adam } from '../../src/training/adam.js';
import { ParamStore } from '../../src/networks/params.js';
import { maxAbsDiff } from '../helpers.js';

const randn = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + seed) * 2.5 + Math.cos(i * 0.3 * seed));

/** f on both backends; returns [native, cpu] arrays. */
async function both(f: () => tf.Tensor | tf.Tensor[]): Promise<Array<Float32Array[]>> {
  const out: Array<Float32Array[]> = [];
  for (const b of ['native', 'cpu'] as const) {
    assert.equal(await initNodeBackend(b, true), b);
    assert.equal(hasFusedKernel(FUSED.biasAct), b === 'native');
    out.push(tf.tidy(() => [f()].flat().map((t) => t.dataSync() as Float32Array)));
  }
  return out;
}

const close = (a: Float32Array[], b: Float32Array[], what: string, tol = 1e-5) =>
  a.forEach((v, i) => assert.ok(maxAbsDiff(v, b[i]) / Math.max(1, ...Array.from(b[i], Math.abs)) < tol, `${what} [${i}]: ${maxAbsDiff(v, b[i])}`));

test('fused bias_act equals the composite ops, with its gradients and gradients of gradients', async () => {
  const shape = [3, 5, 4, 6];
  const xv = randn(360, 1), bv = randn(6, 2), rv = randn(360, 3);
  const cases: Array<[Activation, number, number | null, boolean]> = [['lrelu', Math.SQRT2, null, true], ['lrelu', 2, 1.5, true], ['linear', 1, 0.8, true], ['linear', 3, null, false], ['lrelu', 1, null, false]];
  for (const [act, gain, clamp, withBias] of cases) {
    const name = `${act} gain ${gain} clamp ${clamp} bias ${withBias}`;
    const [native, cpu] = await both(() => {
      const x = tf.tensor(xv, shape), b = withBias ? tf.tensor1d(bv) : null, r = tf.tensor(rv, shape);
      const f = (u: tf.Tensor, bb: tf.Tensor | null) => biasAct(u, bb, act, gain, clamp);
      const y = f(x, b);
      const grads = withBias
        ? tf.grads((u: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(u, bb), r)))([x, b!])
        : [tf.grad((u: tf.Tensor) => tf.sum(tf.mul(f(u, null), r)))(x)];
      // h = |d/dx 0.5 |f|^2|^2 needs the gradient of the gradient kernel (as R1 does).
      const inner = (u: tf.Tensor) => tf.grad((v: tf.Tensor) => tf.mul(tf.sum(tf.square(f(v, b))), 0.5))(u);
      const g2 = tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.square(inner(u)), r)))(x);
      return [y, ...grads, g2];
    });
    close(native, cpu, name);
  }
  // lrelu without bias (the original StyleGAN's activation).
  const [n2, c2] = await both(() => {
    const x = tf.tensor(xv, shape);
    return [lrelu(x), tf.grad((u: tf.Tensor) => tf.sum(tf.square(tf.grad((v: tf.Tensor) => tf.sum(tf.square(lrelu(v))))(u))))(x)];
  });
  close(n2, c2, 'lrelu');
});

test('fused Adam (with nan_to_num) equals the composite update', async () => {
  const shapes = { a: [4, 3], b: [7] };
  const grads = { a: Float32Array.from(randn(12, 4), (v, i) => (i === 2 ? NaN : i === 5 ? Infinity : i === 7 ? -3e6 : v)), b: randn(7, 5) };
  const [native, cpu] = await both(() => {
    let i = 0;
    const store = new ParamStore(() => ((i = (i * 7 + 3) % 101) + 0.5) / 101);
    for (const [k, s] of Object.entries(shapes)) store.param(k, s, { normal: 1 });
    const adam = new Adam(store, { lr: 0.01, beta1: 0.5, beta2: 0.99, eps: 1e-8, clip: 1e5 });
    for (let step = 0; step < 3; step++) {
      const g = tf.tidy(() => Object.fromEntries([...store.vars].map(([k, v]) => [v.name, tf.mul(tf.tensor(grads[k as 'a' | 'b'], v.shape), step + 1)])));
      adam.apply(g);
      tf.dispose(Object.values(g));
    }
    const out = [...store.vars.values()].map((v) => tf.clone(v));
    store.dispose();
    return out;
  });
  close(native, cpu, 'params after 3 steps', 1e-6);
  assert.ok(native.every((v) => v.every(Number.isFinite)));
});

test('fused upfirdn2d equals the composite ops for wide channel counts (the vector path), with its gradient', async () => {
  const f = setupFilter([1, 3, 3, 1]);
  const configs: UpFirDnOptions[] = [{ up: 2, padding: [2, 1, 2, 1], gain: 4 }, { down: 2, padding: [1, 1, 1, 1] }, { padding: [0, -1, 2, 1], flipFilter: true }];
  for (const c of [37, 64]) {
    const shape: [number, number, number, number] = [2, 7, 6, c];
    const xv = randn(2 * 7 * 6 * c, c);
    for (const opts of configs) {
      const [native, cpu] = await both(() => {
        const x = tf.tensor4d(xv, shape);
        const y = upfirdn2d(x, f, opts);
        const r = tf.tensor(randn(y.size, 9), y.shape);
        return [y, tf.grad((u: tf.Tensor) => tf.sum(tf.mul(upfirdn2d(u as tf.Tensor4D, f, opts), r)))(x)];
      });
      close(native, cpu, `c ${c} ${JSON.stringify(opts)}`);
    }
  }
});
