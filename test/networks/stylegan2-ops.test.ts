/**
 * StyleGAN2 ops against plain-loop references: upfirdn2d (values, gradients and gradients of
 * gradients, with an asymmetric filter so flips show), every conv2d_resample fast path against
 * NVIDIA's generic path, the non-fused modulated conv against the fused per-sample weights,
 * and bias_act's order (bias, activation, gain, clamp).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, testRandom, maxAbsDiff } from '../helpers.js';
import {
  type Fir, type UpFirDnOptions, biasAct, conv2dResample, modulatedConv2d, setupFilter, upfirdn2d, upfirdn2dRef, upsample2d, downsample2d,
} from '../../src/networks/stylegan2/ops.js';

before(setup);

type Shape4 = [number, number, number, number];
function randn(n: number, seed: number): Float32Array {
  const r = testRandom(seed), out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return out;
}
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

const asym = setupFilter([1, 2, 4]);
const CASES: Array<{ name: string; f: Fir; opts: UpFirDnOptions }> = [
  { name: 'upsample2d-like', f: setupFilter([1, 3, 3, 1]), opts: { up: 2, padding: [2, 1, 2, 1], gain: 4 } },
  { name: 'downsample2d-like', f: setupFilter([1, 3, 3, 1]), opts: { down: 2, padding: [1, 1, 1, 1] } },
  { name: 'asymmetric filter, pad', f: asym, opts: { padding: [2, 0, 1, 2] } },
  { name: 'asymmetric, flipFilter, negative pad', f: asym, opts: { padding: [-1, 2, 1, -1], flipFilter: true } },
  { name: 'asymmetric, up 2 down 2', f: asym, opts: { up: 2, down: 2, padding: [1, 2, 2, 1], gain: 3 } },
  { name: 'asymmetric, up 3', f: asym, opts: { up: 3, padding: [2, 1, 0, 3] } },
  { name: 'no filter, down 2 odd size', f: setupFilter([1]), opts: { down: 2, padding: [0, 0, 1, 0] } },
];

test('upfirdn2d matches the plain reference', () => {
  const shape: Shape4 = [2, 5, 6, 3];
  const x = randn(size(shape), 1);
  for (const c of CASES) {
    const ref = upfirdn2dRef(x, shape, c.f, c.opts);
    const y = upfirdn2d(tf.tensor4d(x, shape), c.f, c.opts);
    assert.deepEqual(y.shape, ref.shape, c.name);
    assert.ok(maxAbsDiff(y.dataSync(), ref.data) < 1e-5, c.name);
    y.dispose();
  }
});

test('upsample2d / downsample2d scale the size by exactly 2', () => {
  const f = setupFilter([1, 3, 3, 1]);
  assert.deepEqual(upsample2d(tf.ones([1, 5, 7, 2]) as tf.Tensor4D, f).shape, [1, 10, 14, 2]);
  assert.deepEqual(downsample2d(tf.ones([1, 8, 6, 2]) as tf.Tensor4D, f).shape, [1, 4, 3, 2]);
  // Gain 4 on upsampling keeps a constant image constant inside.
  const up = upsample2d(tf.ones([1, 6, 6, 1]) as tf.Tensor4D, f).dataSync();
  assert.ok(Math.abs(up[(5 * 12) + 5] - 1) < 1e-6);
});

/** Dense matrix of the linear op (columns = the reference applied to basis vectors). */
function denseMatrix(shape: Shape4, f: Fir, opts: UpFirDnOptions): { m: Float64Array; rows: number; cols: number; outShape: Shape4 } {
  const cols = size(shape);
  const outShape = upfirdn2dRef(new Float32Array(cols), shape, f, opts).shape;
  const rows = size(outShape), m = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    const e = new Float32Array(cols); e[j] = 1;
    const col = upfirdn2dRef(e, shape, f, opts).data;
    for (let i = 0; i < rows; i++) m[i * cols + j] = col[i];
  }
  return { m, rows, cols, outShape };
}
const apply = (m: Float64Array, rows: number, cols: number, v: ArrayLike<number>, transpose = false): Float64Array => {
  const out = new Float64Array(transpose ? cols : rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    if (transpose) out[j] += m[i * cols + j] * v[i]; else out[i] += m[i * cols + j] * v[j];
  }
  return out;
};

test('upfirdn2d gradients (and gradients of gradients) match the reference adjoint', () => {
  const shape: Shape4 = [1, 4, 5, 2];
  const x = randn(size(shape), 2);
  for (const c of CASES) {
    const { m, rows, cols, outShape } = denseMatrix(shape, c.f, c.opts);
    const r = randn(rows, 3);
    const rT = tf.tensor4d(r, outShape);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(upfirdn2d(v as tf.Tensor4D, c.f, c.opts), rT)))(tf.tensor4d(x, shape));
    assert.ok(maxAbsDiff(g.dataSync(), apply(m, rows, cols, r, true)) < 1e-4, `grad ${c.name}`);
    // h(x) = |grad of 0.5 |Lx|^2|^2 = |L'Lx|^2, so grad h = 2 L'L L'L x.
    const inner = (v: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.mul(tf.sum(tf.square(upfirdn2d(u as tf.Tensor4D, c.f, c.opts))), 0.5))(v);
    const g2 = tf.grad((v: tf.Tensor) => tf.sum(tf.square(inner(v))))(tf.tensor4d(x, shape));
    const ltl = (v: ArrayLike<number>) => apply(m, rows, cols, apply(m, rows, cols, v), true);
    const want = ltl(ltl(x)).map((v) => 2 * v);
    const scale = Math.max(1, ...want.map(Math.abs));
    assert.ok(maxAbsDiff(g2.dataSync(), want) / scale < 1e-4, `grad of grad ${c.name}`);
  }
});

/** NVIDIA's generic conv2d_resample path on plain arrays: upfirdn(up, pad, gain up^2) -> conv -> upfirdn(down). */
function convResampleRef(x: Float32Array, shape: Shape4, w: Float32Array, wShape: Shape4, f: Fir, up: number, down: number, padding: number, flipWeight: boolean) {
  const [kh, kw, ci, co] = wShape;
  const fw = f.size;
  let p0 = padding, p1 = padding;
  if (up > 1) { p0 += Math.floor((fw + up - 1) / 2); p1 += Math.floor((fw - up) / 2); }
  if (down > 1) { p0 += Math.floor((fw - down + 1) / 2); p1 += Math.floor((fw - down) / 2); }
  const u = upfirdn2dRef(x, shape, up > 1 ? f : null, { up, padding: [p0, p1, p0, p1], gain: up * up });
  const [n, h, wd] = u.shape, oh = h - kh + 1, ow = wd - kw + 1;
  const y = new Float32Array(n * oh * ow * co);
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let o = 0; o < co; o++) {
    let s = 0;
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let c = 0; c < ci; c++) {
      const wi = flipWeight ? (i * kw + j) : ((kh - 1 - i) * kw + (kw - 1 - j));
      s += u.data[((b * h + oy + i) * wd + ox + j) * ci + c] * w[wi * ci * co + c * co + o];
    }
    y[((b * oh + oy) * ow + ox) * co + o] = s;
  }
  return down > 1 ? upfirdn2dRef(y, [n, oh, ow, co], f, { down }) : { data: y, shape: [n, oh, ow, co] as Shape4 };
}

test('conv2dResample fast paths equal NVIDIA\'s generic path', () => {
  const f = setupFilter([1, 3, 3, 1]);
  const shape: Shape4 = [2, 6, 6, 3];
  const x = randn(size(shape), 4);
  const cases = [
    { k: 3, up: 2, down: 1, padding: 1, flipWeight: false }, // SynthesisLayer conv0
    { k: 3, up: 1, down: 2, padding: 1, flipWeight: true }, // D conv1
    { k: 1, up: 1, down: 2, padding: 0, flipWeight: true }, // D skip
    { k: 1, up: 2, down: 1, padding: 0, flipWeight: false }, // G resnet skip
    { k: 3, up: 1, down: 1, padding: 1, flipWeight: true }, // plain conv
    { k: 3, up: 1, down: 1, padding: 1, flipWeight: false },
    { k: 3, up: 2, down: 1, padding: 1, flipWeight: true },
  ];
  for (const c of cases) {
    const wShape: Shape4 = [c.k, c.k, 3, 4];
    const w = randn(size(wShape), 5 + c.k);
    const ref = convResampleRef(x, shape, w, wShape, f, c.up, c.down, c.padding, c.flipWeight);
    const y = conv2dResample(tf.tensor4d(x, shape), tf.tensor4d(w, wShape), f, c);
    assert.deepEqual(y.shape, ref.shape, JSON.stringify(c));
    assert.ok(maxAbsDiff(y.dataSync(), ref.data) < 1e-4, JSON.stringify(c));
  }
});

test('modulatedConv2d (non-fused) equals convolving each sample with its modulated, demodulated weight', () => {
  const f = setupFilter([1, 3, 3, 1]);
  const x = tf.tensor4d(randn(2 * 4 * 4 * 3, 7), [2, 4, 4, 3]);
  const w = tf.tensor4d(randn(3 * 3 * 3 * 5, 8), [3, 3, 3, 5]);
  const s = tf.tensor2d(randn(2 * 3, 9), [2, 3]);
  for (const up of [1, 2]) for (const demodulate of [true, false]) {
    const opts = { up, padding: 1, flipWeight: up === 1, demodulate };
    const y = modulatedConv2d(x, w, s, f, opts);
    for (let n = 0; n < 2; n++) {
      let wn = tf.mul(w, tf.reshape(tf.slice(s, [n, 0], [1, 3]), [1, 1, 3, 1]));
      if (demodulate) wn = tf.mul(wn, tf.rsqrt(tf.add(tf.sum(tf.square(wn), [0, 1, 2]), 1e-8)));
      const yn = conv2dResample(tf.slice(x, [n, 0, 0, 0], [1, -1, -1, -1]), wn as tf.Tensor4D, f, opts);
      assert.ok(maxAbsDiff(tf.slice(y, [n, 0, 0, 0], [1, -1, -1, -1]).dataSync(), yn.dataSync()) < 1e-4, `up ${up} demod ${demodulate}`);
    }
  }
});

test('biasAct adds the bias, applies lrelu, then the gain, then the clamp', () => {
  const x = tf.tensor2d([[-2, 0.5, 3]]);
  const b = tf.tensor1d([1, -1, 0]);
  assert.deepEqual([...biasAct(x, b, 'lrelu', 2, null).dataSync()].map((v) => +v.toFixed(6)), [-0.4, -0.2, 6]);
  assert.deepEqual([...biasAct(x, b, 'lrelu', 2, 1).dataSync()].map((v) => +v.toFixed(6)), [-0.4, -0.2, 1]);
  assert.deepEqual([...biasAct(x, null, 'linear', 1, 0.5).dataSync()], [-0.5, 0.5, 0.5]);
});
