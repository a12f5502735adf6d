import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, maxAbsDiff } from '../helpers.js';
import { lrelu, lreluRef } from '../../src/ops/activation.js';
import { weightScale, equalizedDense } from '../../src/ops/equalized.js';
import { pixelNorm, instanceNorm, adaIN } from '../../src/ops/norm.js';
import { addNoise } from '../../src/ops/noise.js';
import { minibatchStd } from '../../src/ops/minibatch-std.js';
import { blur2d, upsample2d, downsample2d, upsampleConv2dFused, firKernel2d } from '../../src/ops/resample.js';

before(setup);

const seq = (n: number, f = 0.37) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f + 0.3) * 2);

test('lrelu equals max(x, 0.2x) and has a second derivative', () => {
  const xs = [-3, -0.5, 0, 0.25, 4];
  const y = lrelu(tf.tensor1d(xs)).dataSync();
  xs.forEach((v, i) => assert.ok(Math.abs(y[i] - lreluRef(v)) < 1e-6));
  const g2 = tf.grad((x: tf.Tensor) => tf.sum(tf.grad((t: tf.Tensor) => tf.sum(tf.square(lrelu(t))))(x)))(tf.tensor1d(xs)).dataSync();
  // d/dx of 2 lrelu(x) lrelu'(x) = 2 lrelu'(x)^2: 0.08 below zero, 2 above.
  assert.ok(Math.abs(g2[0] - 0.08) < 1e-5 && Math.abs(g2[4] - 2) < 1e-5, `${g2}`);
});

test('equalized lr: runtime scale gain * lrMul / sqrt(fanIn)', () => {
  assert.equal(weightScale(512, { gain: Math.SQRT2, lrMul: 0.01 }), (Math.SQRT2 / Math.sqrt(512)) * 0.01);
  const x = tf.tensor2d([[1, 2, 3, 4]]);
  const w = tf.ones([4, 1]) as tf.Tensor2D;
  const b = tf.tensor1d([10]);
  const y = equalizedDense(x, w, b, { gain: 2, lrMul: 0.5 }).dataSync()[0];
  assert.ok(Math.abs(y - ((10 * 2 * 0.5) / 2 + 10 * 0.5)) < 1e-5, `${y}`);
});

test('pixel norm: unit second moment per sample', () => {
  const y = pixelNorm(tf.tensor2d(seq(2 * 8), [2, 8])).arraySync();
  for (const row of y) assert.ok(Math.abs(row.reduce((a, v) => a + v * v, 0) / row.length - 1) < 1e-5);
});

test('AdaIN x=[2,3,3,2]: ys * (x - mu) / sigma + yb per sample and channel', () => {
  const [n, h, w, c] = [2, 3, 3, 2];
  const xd = seq(n * h * w * c);
  const style = tf.tensor2d([[0.5, -1, 0.25, 2], [1.5, 0, -0.5, 1]]); // [scale-1 | bias] per sample
  const y = adaIN(tf.tensor4d(xd, [n, h, w, c]), style).dataSync();
  const s = style.arraySync();
  for (let ni = 0; ni < n; ni++) for (let ci = 0; ci < c; ci++) {
    const vals: number[] = [];
    for (let p = 0; p < h * w; p++) vals.push(xd[(ni * h * w + p) * c + ci]);
    const mu = vals.reduce((a, v) => a + v, 0) / vals.length;
    const sigma = Math.sqrt(vals.reduce((a, v) => a + (v - mu) ** 2, 0) / vals.length + 1e-8);
    for (let p = 0; p < h * w; p++) {
      const want = (s[ni][ci] + 1) * (vals[p] - mu) / sigma + s[ni][c + ci];
      assert.ok(Math.abs(y[(ni * h * w + p) * c + ci] - want) < 1e-4, `n${ni} c${ci} p${p}`);
    }
  }
  const inorm = instanceNorm(tf.tensor4d(xd, [n, h, w, c]));
  assert.ok(Math.abs(tf.mean(inorm).dataSync()[0]) < 1e-5);
});

test('noise: one channel broadcast, scaled per channel', () => {
  const x = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
  const noise = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  const y = addNoise(x, noise, tf.tensor1d([0, 1, -2])).arraySync()[0];
  assert.deepEqual(y[1][0], [0, 3, -6]);
  assert.throws(() => addNoise(x, tf.zeros([1, 2, 2, 3]) as tf.Tensor4D, tf.tensor1d([0, 1, 2])), /addNoise/);
});

test('minibatch stddev x=[8,2,2,3] group 4 matches a plain loop', () => {
  const [n, h, w, c, g] = [8, 2, 2, 3, 4];
  const xd = seq(n * h * w * c, 0.91);
  const y = minibatchStd(tf.tensor4d(xd, [n, h, w, c]), g).arraySync();
  const m = n / g;
  for (let mi = 0; mi < m; mi++) {
    let acc = 0;
    for (let p = 0; p < h * w * c; p++) {
      const vals = Array.from({ length: g }, (_, gi) => xd[(gi * m + mi) * h * w * c + p]);
      const mu = vals.reduce((a, v) => a + v, 0) / g;
      acc += Math.sqrt(vals.reduce((a, v) => a + (v - mu) ** 2, 0) / g + 1e-8);
    }
    const want = acc / (h * w * c);
    for (let gi = 0; gi < g; gi++) assert.ok(Math.abs(y[gi * m + mi][1][0][c] - want) < 1e-5);
  }
  assert.deepEqual(y[0][0][0].slice(0, c).map((v) => +v.toFixed(4)), Array.from(xd.slice(0, c)).map((v) => +v.toFixed(4)));
});

test('blur x=[1,5,5,1]: [1,2,1] kernel with zero padding', () => {
  const k = firKernel2d([1, 2, 1]);
  assert.deepEqual(Array.from(k).map((v) => v * 16), [1, 2, 1, 2, 4, 2, 1, 2, 1]);
  const impulse = new Float32Array(25); impulse[12] = 16;
  const y = blur2d(tf.tensor4d(impulse, [1, 5, 5, 1])).dataSync();
  assert.deepEqual(Array.from(y.slice(6, 9)), [1, 2, 1]);
  const corner = new Float32Array(25); corner[0] = 16;
  assert.equal(blur2d(tf.tensor4d(corner, [1, 5, 5, 1])).dataSync()[0], 4);
});

test('upsample (nearest) and downsample (box) x=[1,2,2,2]', () => {
  const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
  const u = upsample2d(x).arraySync()[0];
  assert.deepEqual(u.map((r) => r.map((p) => p[0])), [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]);
  assert.ok(maxAbsDiff(downsample2d(upsample2d(x)).dataSync(), x.dataSync()) < 1e-6);
  assert.deepEqual(Array.from(downsample2d(x).dataSync()), [2.5, 25]);
});

test('fused upsample conv equals nearest upsample + 3x3 conv with the flipped kernel, away from the border', () => {
  const x = tf.tensor4d(seq(1 * 6 * 6 * 2), [1, 6, 6, 2]);
  const w = tf.tensor4d(seq(3 * 3 * 2 * 3, 1.7), [3, 3, 2, 3]);
  const fused = tf.slice(upsampleConv2dFused(x, w), [0, 2, 2, 0], [1, 8, 8, 3]).dataSync();
  const plain = tf.slice(tf.conv2d(upsample2d(x), tf.reverse(w, [0, 1]) as tf.Tensor4D, 1, 'same'), [0, 2, 2, 0], [1, 8, 8, 3]).dataSync();
  assert.ok(maxAbsDiff(fused, plain) < 1e-4, `${maxAbsDiff(fused, plain)}`);
});

// Central finite differences of a scalar function against tfjs autodiff.
function gradCheck(name: string, f: (x: tf.Tensor) => tf.Scalar, x0: Float32Array, shape: number[], tol = 2e-2) {
  const g = tf.grad(f)(tf.tensor(x0, shape)).dataSync();
  const eps = 1e-2;
  for (let i = 0; i < x0.length; i += Math.max(1, Math.floor(x0.length / 17))) {
    const xp = x0.slice(); xp[i] += eps;
    const xm = x0.slice(); xm[i] -= eps;
    const fd = (f(tf.tensor(xp, shape)).dataSync()[0] - f(tf.tensor(xm, shape)).dataSync()[0]) / (2 * eps);
    assert.ok(Math.abs(fd - g[i]) <= tol * (1 + Math.abs(fd)), `${name} [${i}]: autodiff ${g[i]} vs finite difference ${fd}`);
  }
}

test('gradient checks: blur, up/downsample, minibatch stddev, AdaIN', () => {
  const w = tf.tensor(seq(1 * 6 * 6 * 2, 0.53), [1, 6, 6, 2]);
  const x0 = seq(1 * 6 * 6 * 2);
  gradCheck('blur', (x) => tf.sum(tf.mul(blur2d(x as tf.Tensor4D), w)), x0, [1, 6, 6, 2]);
  gradCheck('down', (x) => tf.sum(tf.square(downsample2d(x as tf.Tensor4D))), x0, [1, 6, 6, 2]);
  gradCheck('up', (x) => tf.sum(tf.square(upsample2d(x as tf.Tensor4D))), x0, [1, 6, 6, 2]);
  gradCheck('mbstd', (x) => tf.sum(tf.square(minibatchStd(x as tf.Tensor4D, 2))), seq(4 * 2 * 2 * 3, 0.77), [4, 2, 2, 3]);
  const style = tf.tensor2d([[0.3, -0.2, 0.1, 0.4]]);
  gradCheck('adain', (x) => tf.sum(tf.mul(adaIN(x as tf.Tensor4D, style), w)), x0, [1, 6, 6, 2]);
});

test('second-order gradient through blur + conv + lrelu (as R1 needs) matches finite differences', () => {
  const x = tf.tensor4d(seq(1 * 6 * 6 * 2), [1, 6, 6, 2]);
  const w0 = seq(3 * 3 * 2 * 2, 0.61);
  // r1(w) = |d D(x; w) / dx|^2, D = sum(lrelu(conv(blur(x)))^2 / 2)
  const r1 = (w: tf.Tensor) => tf.tidy(() => {
    const gx = tf.grad((xx: tf.Tensor) => tf.div(tf.sum(tf.square(lrelu(tf.conv2d(blur2d(xx as tf.Tensor4D), w as tf.Tensor4D, 1, 'same')))), 2))(x);
    return tf.sum(tf.square(gx)) as tf.Scalar;
  });
  gradCheck('r1', r1, w0, [3, 3, 2, 2], 3e-2);
});
