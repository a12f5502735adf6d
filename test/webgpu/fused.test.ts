/**
 * The fused kernels as WGSL on the webgpu backend (Dawn on SwiftShader here): each against a
 * plain-JS reference (filtered_lrelu: the op's own plain-loop reference) of the same formula (max error <= 1e-5 of the largest value), and their
 * gradients (the pure-tfjs ones of ops/fused.ts, which run these kernels again) against the CPU
 * reference backend or the exact adjoint, gradients of gradients included.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, testRandom } from '../helpers.js';
import { referenceBackend, use } from './swiftshader.js';
import { FUSED, fusedBiasAct, fusedUpFirDn2d, hasFusedKernel, upfirdnSize, type BiasActAttrs, type UpFirDnAttrs } from '../../src/ops/fused.js';
import { biasAct, setupFilter } from '../../src/networks/stylegan2/ops.js';
import { filteredLrelu, filteredLreluRef, type FilteredLreluOptions, type FirFilter } from '../../src/ops/filtered-lrelu.js';
import type { BackendName } from '../../src/backend/node.js';

let ref: BackendName;
before(async () => {
  await setup();
  ref = await referenceBackend();
  await use('webgpu'); // fails here, loudly, when Dawn / Vulkan / SwiftShader cannot start
});

const rand = testRandom(11);
const randn = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);

/** max |got - want| <= rel * max |want|, printed. */
function near(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let worst = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    assert.ok(Number.isFinite(got[i]), `${what}: element ${i} is ${got[i]}`);
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  console.log(`# ${what}: max error ${(worst / scale).toExponential(2)} of max |value| ${scale.toPrecision(3)}`);
  assert.ok(scale > 0 && worst <= rel * scale, `${what}: max error ${worst} > ${rel} * ${scale}`);
}

/** Runs `f` on `backend` (inputs made inside it) and reads its outputs back. */
async function on(backend: BackendName, f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await use(backend);
  const before = tf.memory().numTensors;
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const data = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(list);
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  return data;
}

test('every fused kernel this backend provides as WGSL is registered on webgpu', async () => {
  await use('webgpu');
  for (const name of [FUSED.biasAct, FUSED.act, FUSED.biasActGrad, FUSED.actGrad, FUSED.adam, FUSED.upfirdn2d, FUSED.filteredLrelu, FUSED.filteredLreluGrad]) {
    assert.ok(hasFusedKernel(name), `${name} not registered on webgpu`);
  }
});

// bias_act: y = clamp(lrelu_alpha(x + b) * gain, +-clamp).
function biasActRef(x: Float32Array, b: Float32Array | null, c: number, a: BiasActAttrs): Float64Array {
  return Float64Array.from(x, (v, i) => {
    const t = v + (b ? b[i % c] : 0);
    const o = (t > 0 ? t : a.alpha * t) * a.gain;
    return a.clamp >= 0 ? Math.min(a.clamp, Math.max(-a.clamp, o)) : o;
  });
}

test('SgnBiasAct / SgnAct on webgpu: alpha 1 and 0.2, gain 1 and sqrt 2, clamp off and 0.5, with and without bias', async () => {
  for (const shape of [[2, 3, 5, 6], [7, 5]]) {
    const c = shape[shape.length - 1], n = shape.reduce((p, q) => p * q);
    const x = randn(n), b = randn(c, 0.5);
    for (const alpha of [1, 0.2]) for (const gain of [1, Math.SQRT2]) for (const clamp of [-1, 0.5]) for (const withBias of [true, false]) {
      const a = { alpha, gain, clamp };
      const [got] = await on('webgpu', () => fusedBiasAct(tf.tensor(x, shape), withBias ? tf.tensor1d(b) : null, a));
      near(got, biasActRef(x, withBias ? b : null, c, a), 1e-5, `act [${shape}] alpha ${alpha} gain ${gain.toFixed(3)} clamp ${clamp} bias ${withBias}`);
    }
  }
});

test('SgnBiasAct over more workgroups than one dispatch dimension allows (65535 x 64 < 4.7M elements: a 2-D dispatch)', async () => {
  const shape = [3, 1100, 1424], n = 3 * 1100 * 1424, c = 1424;
  const x = randn(n), b = randn(c, 0.5), a = { alpha: 0.2, gain: Math.SQRT2, clamp: 0.9 };
  const [got] = await on('webgpu', () => fusedBiasAct(tf.tensor(x, shape), tf.tensor1d(b), a));
  near(got, biasActRef(x, b, c, a), 1e-5, `act [${shape}] (every element, the last workgroups included)`);
});

test('bias_act gradients on webgpu (SgnBiasActGrad, SgnActGrad and their own gradient) equal the CPU reference backend', async () => {
  const shape = [3, 4, 4, 6], n = 3 * 4 * 4 * 6;
  const x = randn(n), b = randn(6, 0.5), w = randn(n), v = randn(n);
  for (const [act, gain, clamp] of [['lrelu', Math.SQRT2, null], ['lrelu', Math.SQRT2, 0.5], ['linear', 2, 0.5]] as const) {
    for (const withBias of [true, false]) {
      const run = () => {
        const xt = tf.tensor(x, shape), bt = tf.tensor1d(b), wt = tf.tensor(w, shape), vt = tf.tensor(v, shape);
        const f = (xx: tf.Tensor, bb?: tf.Tensor) => tf.sum(tf.mul(biasAct(xx, bb ?? null, act, gain, clamp), wt));
        const [dx, db] = withBias ? tf.grads(f)([xt, bt]) : [tf.grad((xx: tf.Tensor) => f(xx))(xt)];
        // A gradient of a gradient (as R1 takes): d/dw sum(v * d/dx sum(w * y)) = v * mask.
        const ddw = tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(biasAct(xx, withBias ? bt : null, act, gain, clamp), ww)))(xt), vt)))(wt);
        return withBias ? [dx, db, ddw] : [dx, ddw];
      };
      const want = await on(ref, run), got = await on('webgpu', run);
      const names = withBias ? ['dx', 'db', 'd2/dw dx'] : ['dx', 'd2/dw dx'];
      names.forEach((nm, i) => near(got[i], want[i], 1e-5, `${act} gain ${gain.toFixed(3)} clamp ${clamp} bias ${withBias}: ${nm} vs ${ref}`));
    }
  }
});

test('SgnAdam on webgpu: p, m, v of one step with and without nan_to_num clipping (NaN, +-Inf, |g| > clip)', async () => {
  const n = 300;
  const p = randn(n), m = randn(n, 0.1), v = Float32Array.from(randn(n, 0.01), Math.abs), g = randn(n, 2);
  for (const clip of [0.5, 0]) {
    const gc = g.slice();
    if (clip > 0) { gc[3] = NaN; gc[4] = Infinity; gc[5] = -Infinity; }
    const attrs = { lr: 0.002, beta1: 0.5, beta2: 0.99, c1: 1 - 0.5 ** 3, c2: 1 - 0.99 ** 3, eps: 1e-8, clip };
    const got = await on('webgpu', () => tf.engine().runKernel(FUSED.adam, { p: tf.tensor(p), m: tf.tensor(m), v: tf.tensor(v), g: tf.tensor(gc) }, attrs) as tf.Tensor[]);
    const want = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    for (let i = 0; i < n; i++) {
      let gi = gc[i];
      if (clip > 0) gi = Number.isNaN(gi) ? 0 : Math.min(clip, Math.max(-clip, gi));
      const mi = m[i] * attrs.beta1 + gi * (1 - attrs.beta1), vi = v[i] * attrs.beta2 + gi * gi * (1 - attrs.beta2);
      want[0][i] = p[i] - (mi / attrs.c1) / (Math.sqrt(vi / attrs.c2) + attrs.eps) * attrs.lr;
      want[1][i] = mi; want[2][i] = vi;
    }
    ['p', 'm', 'v'].forEach((nm, k) => near(got[k], want[k], 1e-5, `adam clip ${clip}: ${nm}`));
    // The update itself (p' - p, ~lr) to 1e-4 of its size: p's own magnitude does not hide it.
    near(got[0].map((x, i) => x - p[i]), want[0].map((x, i) => x - p[i]), 1e-4, `adam clip ${clip}: p' - p`);
  }
});

/** upfirdn2d of NHWC data as a plain loop (float64), and its adjoint (the exact gradient of sum(y * w)). */
function upfirdnRef([n, h, w, c]: number[], a: UpFirDnAttrs, dir: 'forward' | 'adjoint', data: Float32Array): Float64Array {
  const [x0, x1, y0, y1] = a.pad;
  const oh = upfirdnSize(h, a.up, y0, y1, a.kh, a.down), ow = upfirdnSize(w, a.up, x0, x1, a.kw, a.down);
  const out = new Float64Array(dir === 'forward' ? n * oh * ow * c : n * h * w * c);
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let i = 0; i < a.kh; i++) for (let j = 0; j < a.kw; j++) {
    const uy = oy * a.down + i - y0, ux = ox * a.down + j - x0;
    if (uy < 0 || ux < 0 || uy >= h * a.up || ux >= w * a.up || uy % a.up || ux % a.up) continue;
    const k = a.k[i * a.kw + j];
    for (let ch = 0; ch < c; ch++) {
      const xi = ((b * h + uy / a.up) * w + ux / a.up) * c + ch, yi = ((b * oh + oy) * ow + ox) * c + ch;
      if (dir === 'forward') out[yi] += data[xi] * k;
      else out[xi] += data[yi] * k;
    }
  }
  return out;
}

const FIR4 = Array.from(setupFilter([1, 3, 3, 1]).k);
const UPFIRDN_CASES: Array<[string, UpFirDnAttrs]> = [
  ['up 2, 4x4 [1,3,3,1] gain 4 (StyleGAN2 upsample)', { up: 2, down: 1, pad: [2, 1, 2, 1], k: FIR4.map((v) => v * 4), kh: 4, kw: 4 }],
  ['down 2, 4x4 (StyleGAN2 downsample)', { up: 1, down: 2, pad: [1, 1, 1, 1], k: FIR4, kh: 4, kw: 4 }],
  ['3x3 asymmetric taps, crop and pad [-1, 2, 1, -1]', { up: 1, down: 1, pad: [-1, 2, 1, -1], k: Array.from(randn(9)), kh: 3, kw: 3 }],
  ['1-D 1x4 up 2 (separable pass along x)', { up: 2, down: 1, pad: [2, 1, 0, 0], k: [0.25, 0.75, 0.75, 0.25], kh: 1, kw: 4 }],
  ['1-D 4x1 down 2 (separable pass along y)', { up: 1, down: 2, pad: [0, 0, 1, 1], k: [0.125, 0.375, 0.375, 0.125], kh: 4, kw: 1 }],
  ['up 2 and down 2, 2x3 taps', { up: 2, down: 2, pad: [1, 0, 0, 1], k: Array.from(randn(6)), kh: 2, kw: 3 }],
];

test('SgnUpFirDn2d on webgpu: up 2 / down 2 / pads and crops / 4x4, 3x3 and 1-D kernels, with the gradient and its gradient', async () => {
  const shape = [2, 5, 6, 3], size = 2 * 5 * 6 * 3;
  const x = randn(size);
  for (const [name, a] of UPFIRDN_CASES) {
    const [x0, x1, y0, y1] = a.pad;
    const oshape = [2, upfirdnSize(5, a.up, y0, y1, a.kh, a.down), upfirdnSize(6, a.up, x0, x1, a.kw, a.down), 3];
    const w = randn(oshape.reduce((p, q) => p * q)), v = randn(size);
    const [y, dx, ddw] = await on('webgpu', () => {
      const xt = tf.tensor4d(x, shape as [number, number, number, number]), wt = tf.tensor(w, oshape), vt = tf.tensor4d(v, shape as [number, number, number, number]);
      const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(fusedUpFirDn2d(xx as tf.Tensor4D, a), ww));
      const g = tf.grad((xx: tf.Tensor) => f(xx, wt))(xt);
      // d/dw sum(v * d/dx sum(w * up(x))) = up(v): the gradient's gradient is the forward op again.
      const gg = tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(tf.grad((xx: tf.Tensor) => f(xx, ww))(xt), vt)))(wt);
      return [fusedUpFirDn2d(xt, a), g, gg];
    });
    near(y, upfirdnRef(shape, a, 'forward', x), 1e-5, `upfirdn2d ${name}`);
    near(dx, upfirdnRef(shape, a, 'adjoint', w), 1e-5, `upfirdn2d ${name}: dx`);
    near(ddw, upfirdnRef(shape, a, 'forward', v), 1e-5, `upfirdn2d ${name}: d2/dw dx`);
  }
});

/** Normalised taps: 1-D [k] (separable) or a radial-like 2-D [k, k]. */
function fir(k: number, twoD: boolean): FirFilter {
  const v = twoD
    ? Array.from({ length: k * k }, (_, i) => 1 / (1 + Math.hypot(Math.floor(i / k) - (k - 1) / 2, (i % k) - (k - 1) / 2)) + rand() * 0.1)
    : Array.from({ length: k }, (_, i) => 1 + Math.min(i, k - 1 - i) + rand() * 0.3);
  const sum = v.reduce((a, b) => a + b);
  return { data: v.map((t) => t / sum), shape: twoD ? [k, k] : [k] };
}

const FL_CASES: Array<{ name: string; shape: [number, number, number, number]; fu: FirFilter | null; fd: FirFilter | null; o: FilteredLreluOptions }> = [
  { name: 'up 2 down 2, separable taps 6/6, clamp 0.7', shape: [2, 5, 6, 3], fu: fir(6, false), fd: fir(6, false), o: { up: 2, down: 2, padding: [5, 4, 5, 4], clamp: 0.7 } },
  { name: 'up 2 down 1, taps 4, 2-D down 3x3, slope 0.1 gain 1.5', shape: [1, 4, 5, 2], fu: fir(4, false), fd: fir(3, true), o: { up: 2, padding: [2, 3, 3, 2], gain: 1.5, slope: 0.1 } },
  { name: 'up 1 down 2, 2-D 5x5 down filter, crop, flipFilter', shape: [2, 7, 8, 2], fu: null, fd: fir(5, true), o: { down: 2, padding: [3, -1, 1, 4], flipFilter: true } },
  { name: 'identity filters', shape: [1, 3, 4, 5], fu: null, fd: null, o: { clamp: 0.5 } },
];

test('SgnFilteredLrelu on webgpu equals the plain-loop reference; its gradient (dx, db) equals the CPU reference backend', async () => {
  for (const cs of FL_CASES) {
    const size = cs.shape.reduce((a, b) => a * b);
    const x = randn(size, 2), b = randn(cs.shape[3], 0.5);
    const want = filteredLreluRef(x, cs.shape, cs.fu, cs.fd, b, cs.o);
    const w = randn(want.data.length);
    const run = () => {
      const xt = tf.tensor4d(x, cs.shape), bt = tf.tensor1d(b), wt = tf.tensor(w, want.shape);
      const [dx, db] = tf.grads((xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(filteredLrelu(xx as tf.Tensor4D, cs.fu, cs.fd, bb as tf.Tensor1D, cs.o), wt)))([xt, bt]);
      return [filteredLrelu(xt, cs.fu, cs.fd, bt, cs.o), dx, db];
    };
    const [y, dx, db] = await on('webgpu', run);
    near(y, want.data, 1e-5, `filtered_lrelu ${cs.name}`);
    const [, dxRef, dbRef] = await on(ref, run);
    near(dx, dxRef, 1e-5, `filtered_lrelu ${cs.name}: dx vs ${ref}`);
    near(db, dbRef, 1e-5, `filtered_lrelu ${cs.name}: db vs ${ref}`);
  }
});
