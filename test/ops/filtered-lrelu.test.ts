/**
 * filteredLrelu (StyleGAN3's filtered_lrelu): the plain-loop reference against a direct sum per
 * output pixel and against values from NVIDIA's `_filtered_lrelu_ref` (test/fixtures), the
 * composite tfjs ops against the reference, and gradients by finite differences.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../src/backend/node.js';
import { FUSED, hasFusedKernel } from '../../src/ops/fused.js';
import { filteredLrelu, filteredLreluComposite, filteredLreluRef, type FilteredLreluOptions, type FirFilter } from '../../src/ops/filtered-lrelu.js';
import { parseNpy } from '../../src/io/npy.js';
import { maxAbsDiff, testRandom } from '../helpers.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/filtered-lrelu');

function randArray(n: number, seed: number, scale = 1): Float32Array {
  const r = testRandom(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

/** A low-pass-ish filter, normalised to sum 1 as NVIDIA's: 1-D taps [k] or 2-D [k, k] (not separable: radial-like weights). */
function filter(k: number, twoD: boolean, seed: number): FirFilter {
  const r = testRandom(seed);
  const norm = (v: number[]) => { const s = v.reduce((a, b) => a + b); return v.map((t) => t / s); };
  if (!twoD) return { data: norm(Array.from({ length: k }, (_, i) => 1 + Math.min(i, k - 1 - i) + r() * 0.3)), shape: [k] };
  const data: number[] = [];
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) data.push(1 / (1 + Math.hypot(i - (k - 1) / 2, j - (k - 1) / 2)) + r() * 0.1);
  return { data: norm(data), shape: [k, k] };
}

/**
 * out[oy, ox] = sum_{i, j} Kd[i, j] act(sum_{a, b} Ku[a, b] Xup(oy down + i + a, ox down + j + b)):
 * the whole op as one sum per output pixel, with the filters as full 2-D convolution kernels.
 */
function direct(x: Float32Array, [n, h, w, c]: number[], fu: FirFilter | null, fd: FirFilter | null, b: Float32Array | null, o: FilteredLreluOptions) {
  const up = o.up ?? 1, down = o.down ?? 1, gain = o.gain ?? Math.SQRT2, slope = o.slope ?? 0.2, clamp = o.clamp ?? null;
  const [px0, px1, py0, py1] = o.padding as number[];
  // 2-D convolution kernel (the outer product for taps), flipped into correlation unless flipFilter.
  const full = (f: FirFilter | null, g: number) => {
    if (!f) return { k: [[g]], kh: 1, kw: 1 };
    const kh = f.shape[0], kw = f.shape[f.shape.length - 1];
    const v = (i: number, j: number) => (f.shape.length === 1 ? f.data[i] * f.data[j] : f.data[i * kw + j]) * g;
    const k = Array.from({ length: kh }, (_, i) => Array.from({ length: kw }, (_, j) => (o.flipFilter ? v(i, j) : v(kh - 1 - i, kw - 1 - j))));
    return { k, kh, kw };
  };
  const U = full(fu, up * up), D = full(fd, 1);
  const xup = (bi: number, py: number, px: number, ch: number) => {
    const uy = py - py0, ux = px - px0;
    if (uy < 0 || ux < 0 || uy >= h * up || ux >= w * up || uy % up || ux % up) return 0;
    return x[((bi * h + uy / up) * w + ux / up) * c + ch] + (b ? b[ch] : 0);
  };
  const oh = Math.floor((h * up + py0 + py1 - U.kh - D.kh + 2 + down - 1) / down), ow = Math.floor((w * up + px0 + px1 - U.kw - D.kw + 2 + down - 1) / down);
  const out = new Float32Array(n * oh * ow * c);
  for (let bi = 0; bi < n; bi++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let i = 0; i < D.kh; i++) for (let j = 0; j < D.kw; j++) {
      let t = 0;
      for (let a = 0; a < U.kh; a++) for (let bb = 0; bb < U.kw; bb++) t += U.k[a][bb] * xup(bi, oy * down + i + a, ox * down + j + bb, ch);
      let v = (t < 0 ? t * slope : t) * gain;
      if (clamp !== null) v = Math.min(Math.max(v, -clamp), clamp);
      s += D.k[i][j] * v;
    }
    out[((bi * oh + oy) * ow + ox) * c + ch] = s;
  }
  return { data: out, shape: [n, oh, ow, c] };
}

interface Case { name: string; shape: [number, number, number, number]; fu: FirFilter | null; fd: FirFilter | null; bias: boolean; o: FilteredLreluOptions }

/** Separable and 2-D filters, up 1/2/4, down 1/2, clamp on and off, negative padding, flips. */
const CASES: Case[] = [
  { name: 'identity filters, up 1, down 1', shape: [2, 3, 4, 5], fu: null, fd: null, bias: true, o: { padding: [0, 0, 0, 0] } },
  { name: 'up 2 down 2, taps 6/6, clamp', shape: [2, 5, 6, 3], fu: filter(6, false, 1), fd: filter(6, false, 2), bias: true, o: { up: 2, down: 2, padding: [5, 4, 5, 4], clamp: 0.7 } },
  { name: 'up 2 down 1, taps 4, 2-D down 3x3, slope 0.1 gain 1.5', shape: [1, 4, 5, 2], fu: filter(4, false, 3), fd: filter(3, true, 4), bias: true, o: { up: 2, padding: [2, 3, 3, 2], gain: 1.5, slope: 0.1 } },
  { name: 'up 4 down 2, taps 8/4, crop', shape: [1, 4, 3, 3], fu: filter(8, false, 5), fd: filter(4, false, 6), bias: false, o: { up: 4, down: 2, padding: [-1, 6, 3, -2], clamp: 0.5 } },
  { name: 'up 1 down 2, 2-D 5x5 down filter, flipFilter', shape: [2, 7, 8, 2], fu: null, fd: filter(5, true, 7), bias: true, o: { down: 2, padding: [3, 2, 1, 4], flipFilter: true } },
  { name: 'up 2 down 2, 2-D up 4x4 and 2-D down 6x6, asymmetric filters', shape: [1, 4, 4, 2], fu: filter(4, true, 8), fd: filter(6, true, 9), bias: true, o: { up: 2, down: 2, padding: [4, 3, 2, 5] } },
  { name: 'up 1 down 1, 1-D taps 3, slope 1 (linear, ToRGB-like)', shape: [1, 5, 5, 3], fu: filter(3, false, 10), fd: filter(3, false, 11), bias: true, o: { padding: [2, 2, 2, 2], slope: 1, gain: 1 } },
];

const inputs = (cs: Case) => ({
  x: randArray(cs.shape.reduce((a, v) => a * v), 100 + cs.shape[1], 2),
  b: cs.bias ? randArray(cs.shape[3], 200, 0.5) : null,
});

test('filteredLreluRef equals the op written as one direct sum per output pixel', () => {
  for (const cs of CASES) {
    const { x, b } = inputs(cs);
    const ref = filteredLreluRef(x, cs.shape, cs.fu, cs.fd, b, cs.o);
    const want = direct(x, cs.shape, cs.fu, cs.fd, b, cs.o);
    assert.deepEqual(ref.shape, want.shape, cs.name);
    assert.ok(maxAbsDiff(ref.data, want.data) < 1e-5, `${cs.name}: ${maxAbsDiff(ref.data, want.data)}`);
  }
});

test('filteredLrelu with identity filters is clamp(lrelu(x + b) * gain)', () => {
  const x = randArray(24, 1, 3), b = randArray(3, 2);
  const ref = filteredLreluRef(x, [1, 2, 4, 3], null, null, b, { gain: 2, slope: 0.3, clamp: 2.5 });
  x.forEach((v, i) => {
    const t = v + b[i % 3];
    assert.ok(Math.abs(ref.data[i] - Math.min(Math.max((t < 0 ? 0.3 * t : t) * 2, -2.5), 2.5)) < 1e-6);
  });
});

/** NVIDIA's values: the fixtures were made with _filtered_lrelu_ref (see fixtures/filtered-lrelu/README.md). */
function nvidiaCases(): Array<{ name: string; x: Float32Array; shape: [number, number, number, number]; b: Float32Array; fu: FirFilter; fd: FirFilter; o: FilteredLreluOptions; y: Float32Array; yShape: number[] }> {
  const meta = JSON.parse(fs.readFileSync(path.join(fixtures, 'cases.json'), 'utf8')) as Array<{ name: string; up: number; down: number; padding: [number, number, number, number]; gain: number; slope: number; clamp: number | null; flip_filter: boolean }>;
  const nchwToNhwc = (a: { data: Float32Array; shape: number[] }) => {
    const [n, c, h, w] = a.shape;
    const out = new Float32Array(a.data.length);
    for (let bi = 0; bi < n; bi++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) out[((bi * h + y) * w + xx) * c + ch] = a.data[((bi * c + ch) * h + y) * w + xx];
    return { data: out, shape: [n, h, w, c] as [number, number, number, number] };
  };
  const npy = (name: string, key: string) => {
    const a = parseNpy(fs.readFileSync(path.join(fixtures, `${name}-${key}.npy`)));
    return { data: a.data as Float32Array, shape: a.shape };
  };
  return meta.map((m) => {
    const x = nchwToNhwc(npy(m.name, 'x')), y = nchwToNhwc(npy(m.name, 'y'));
    const fu = npy(m.name, 'fu'), fd = npy(m.name, 'fd');
    return {
      name: m.name, x: x.data, shape: x.shape, b: npy(m.name, 'b').data, y: y.data, yShape: y.shape,
      fu: { data: fu.data, shape: fu.shape as [number] }, fd: { data: fd.data, shape: fd.shape as [number] },
      o: { up: m.up, down: m.down, padding: m.padding, gain: m.gain, slope: m.slope, clamp: m.clamp, flipFilter: m.flip_filter },
    };
  });
}

test('filteredLreluRef matches NVIDIA\'s _filtered_lrelu_ref (fixtures)', () => {
  const cases = nvidiaCases();
  assert.ok(cases.length >= 2);
  for (const cs of cases) {
    const ref = filteredLreluRef(cs.x, cs.shape, cs.fu, cs.fd, cs.b, cs.o);
    assert.deepEqual(ref.shape, cs.yShape, cs.name);
    const scale = Math.max(1, ...Array.from(cs.y, Math.abs));
    assert.ok(maxAbsDiff(ref.data, cs.y) / scale < 2e-6, `${cs.name}: ${maxAbsDiff(ref.data, cs.y)}`);
  }
});

for (const backend of ['cpu', 'native'] as const) {
  test(`filteredLrelu composite on ${backend} equals the reference; NVIDIA's fixtures too`, async () => {
    assert.equal(await initNodeBackend(backend, true), backend);
    for (const cs of CASES) {
      const { x, b } = inputs(cs);
      const want = filteredLreluRef(x, cs.shape, cs.fu, cs.fd, b, cs.o);
      const got = tf.tidy(() => filteredLreluComposite(tf.tensor4d(x, cs.shape), cs.fu, cs.fd, b ? tf.tensor1d(b) : null, cs.o).dataSync());
      assert.ok(maxAbsDiff(got, want.data) < 2e-5, `${cs.name}: ${maxAbsDiff(got, want.data)}`);
    }
    const before = tf.memory().numTensors;
    for (const cs of nvidiaCases()) {
      const got = tf.tidy(() => filteredLrelu(tf.tensor4d(cs.x, cs.shape), cs.fu, cs.fd, tf.tensor1d(cs.b), cs.o).dataSync());
      const scale = Math.max(1, ...Array.from(cs.y, Math.abs));
      assert.ok(maxAbsDiff(got, cs.y) / scale < 1e-5, `${cs.name}: ${maxAbsDiff(got, cs.y)}`);
    }
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  });
}

for (const backend of ['cpu', 'native'] as const) {
  test(`filteredLrelu gradients on ${backend}: dx by finite differences of the reference, db the sum of dx`, async () => {
    assert.equal(await initNodeBackend(backend, true), backend);
    for (const cs of CASES.slice(1, 4)) {
      const { x } = inputs(cs);
      const b = randArray(cs.shape[3], 300, 0.5);
      const yShape = filteredLreluRef(x, cs.shape, cs.fu, cs.fd, b, cs.o).shape;
      const r = randArray(yShape.reduce((a, v) => a * v), 400);
      const loss = (xv: Float32Array, bv: Float32Array) => filteredLreluRef(xv, cs.shape, cs.fu, cs.fd, bv, cs.o).data.reduce((s, v, i) => s + v * r[i], 0);
      const loss4 = (xt: tf.Tensor, bt: tf.Tensor) => tf.sum(tf.mul(filteredLrelu(xt as tf.Tensor4D, cs.fu, cs.fd, bt as tf.Tensor1D, cs.o), tf.tensor(r, yShape)));
      const [gx, gb] = tf.tidy(() => tf.grads(loss4)([tf.tensor4d(x, cs.shape), tf.tensor1d(b)]).map((t) => t.dataSync()));
      // Central differences in float64 copies (the reference sums in float64); a few entries each.
      const eps = 1e-3;
      const check = (g: ArrayLike<number>, idx: number, plus: number, minus: number, what: string) => {
        const fdv = (plus - minus) / (2 * eps);
        assert.ok(Math.abs(g[idx] - fdv) < 2e-3 * Math.max(1, Math.abs(fdv)), `${cs.name} ${what}[${idx}]: ${g[idx]} vs ${fdv}`);
      };
      for (const idx of [0, 7, Math.floor(x.length / 2), x.length - 1]) {
        const xp = x.slice(), xm = x.slice();
        xp[idx] += eps; xm[idx] -= eps;
        check(gx, idx, loss(xp, b), loss(xm, b), 'dx');
      }
      // b is added before anything else, so db[c] = sum of dx over the pixels of channel c (finite
      // differences in b would cross many activation kinks at once).
      for (let ch = 0; ch < b.length; ch++) {
        let s = 0;
        for (let i = ch; i < gx.length; i += b.length) s += gx[i];
        assert.ok(Math.abs(gb[ch] - s) < 1e-4 * Math.max(1, Math.abs(s)), `${cs.name} db[${ch}]: ${gb[ch]} vs ${s}`);
      }
    }
  });
}

/** More channels than one native block (32) with a tail, several images, one image cut into bands of rows. */
const WIDE: Case[] = [
  { name: 'C 37, up 2 down 2, taps 12/12, clamp', shape: [2, 9, 7, 37], fu: filter(12, false, 12), fd: filter(12, false, 13), bias: true, o: { up: 2, down: 2, padding: [11, 10, 9, 12], clamp: 0.8 } },
  { name: 'C 64, up 2 down 2, 2-D 8x8 down filter', shape: [1, 12, 10, 64], fu: filter(8, false, 14), fd: filter(8, true, 15), bias: true, o: { up: 2, down: 2, padding: [7, 8, 8, 7] } },
  { name: 'C 16, one image: bands of output rows, up 2 down 2, taps 12/12', shape: [1, 22, 9, 16], fu: filter(12, false, 18), fd: filter(12, false, 19), bias: true, o: { up: 2, down: 2, padding: [9, 8, 9, 8], clamp: 0.9 } },
  { name: 'C 5, up 1 down 1, critically sampled 4 taps, crop', shape: [3, 6, 8, 5], fu: filter(4, false, 16), fd: filter(4, false, 17), bias: true, o: { padding: [1, 2, -1, 3], clamp: 1 } },
];

test('fused native filteredLrelu equals the reference; gradients equal the composite\'s (cpu); no leaks', async () => {
  for (const cs of [...CASES, ...WIDE]) {
    const { x } = inputs(cs);
    const b = randArray(cs.shape[3], 500, 0.5);
    const want = filteredLreluRef(x, cs.shape, cs.fu, cs.fd, b, cs.o);
    const r = randArray(want.data.length, 600);
    const run = () => tf.tidy(() => {
      const xt = tf.tensor4d(x, cs.shape), bt = tf.tensor1d(b), rt = tf.tensor(r, want.shape);
      const y = filteredLrelu(xt, cs.fu, cs.fd, bt, cs.o);
      const [gx, gb] = tf.grads((u: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(filteredLrelu(u as tf.Tensor4D, cs.fu, cs.fd, v as tf.Tensor1D, cs.o), rt)))([xt, bt]);
      return [y, gx, gb].map((t) => t.dataSync());
    });
    assert.equal(await initNodeBackend('cpu', true), 'cpu');
    const [, cx, cb] = run();
    assert.equal(await initNodeBackend('native', true), 'native');
    assert.ok(hasFusedKernel(FUSED.filteredLrelu), 'the native addon has no filteredLrelu kernel: rebuild it (node native/build.mjs)');
    const before = tf.memory().numTensors;
    const [ny, nx, nb] = run();
    assert.equal(tf.memory().numTensors, before, `${cs.name}: tensors leaked`);
    const rel = (a: ArrayLike<number>, e: ArrayLike<number>) => maxAbsDiff(a, e) / Math.max(1, ...Array.from(e, Math.abs));
    assert.ok(rel(ny, want.data) < 1e-5, `${cs.name} y: ${rel(ny, want.data)}`);
    assert.ok(rel(nx, cx) < 1e-5, `${cs.name} dx: ${rel(nx, cx)}`);
    assert.ok(rel(nb, cb) < 1e-5, `${cs.name} db: ${rel(nb, cb)}`);
  }
});

test('filteredLrelu names the problem on bad input', () => {
  assert.throws(() => filteredLreluRef(new Float32Array(4), [1, 2, 2, 1], null, null, new Float32Array(2)), /Error in filteredLrelu: b \[2\]/);
  assert.throws(() => filteredLreluRef(new Float32Array(4), [1, 2, 2, 1], { data: [1, 2], shape: [3] }, null, null), /fu has 2 values/);
  assert.throws(() => filteredLreluRef(new Float32Array(4), [1, 2, 2, 1], { data: [1, 1, 1, 1, 1], shape: [5] }, null, null), /leaves no output/);
  assert.throws(() => filteredLreluRef(new Float32Array(4), [1, 2, 2, 1], null, null, null, { up: 1.5 }), /up 1.5/);
});
