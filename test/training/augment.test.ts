/**
 * The augmentation pipe against NVIDIA's AugmentPipe (stylegan2-ada-pytorch training/augment.py,
 * run with torch on the same images and the same recorded torch.rand / randn draws; see
 * scripts/record-augment-fixtures.py): every transform alone, the named pipes, grey images,
 * outputs and input gradients. Then the sampling kernel's gradient by finite differences, its
 * transposed map and its composite twin, gradients of gradients, and the draws' bookkeeping.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { setup, testRandom, maxAbsDiff } from '../helpers.js';
import { parseNpz } from '../../src/io/npy.js';
import { augmentSpec, type AugmentSpec } from '../../src/training/augment/specs.js';
import { replayDraws, type RecordedDraw } from '../../src/training/augment/draws.js';
import { drawAugmentParams } from '../../src/training/augment/params.js';
import { applyAugment } from '../../src/training/augment/pipe.js';
import { affineSamplePlan, bilinearSample, bilinearSampleComposite } from '../../src/training/augment/sample.js';
import { applyGeometric, applyGeometricComposite, geometricPlan } from '../../src/training/augment/geometric.js';
import { FUSED, hasFusedKernel } from '../../src/ops/fused.js';
import { isIdentity } from '../../src/training/augment/geometric.js';
import { initNodeBackend } from '../../src/backend/node.js';

before(setup);

const DIR = 'test/fixtures/augment';
interface Case { name: string; kwargs: Record<string, number>; p: number; shape: [number, number, number, number]; draws: number }
const cases = (JSON.parse(fs.readFileSync(`${DIR}/cases.json`, 'utf8')) as { cases: Case[] }).cases;

/** NVIDIA's kwargs (snake_case) as our spec. */
function specOf(kwargs: Record<string, number>): AugmentSpec {
  const over: Record<string, number> = {};
  for (const [k, v] of Object.entries(kwargs)) over[k.replace(/_(\w)/g, (_, ch: string) => ch.toUpperCase())] = v;
  return augmentSpec(over as Partial<AugmentSpec>);
}

/** The recorder's closed-form images, [N, C, H, W] as float32. */
function pattern([n, c, h, w]: number[], a: number, b: number): Float32Array {
  const out = new Float32Array(n * c * h * w);
  let o = 0;
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[o++] = Math.sin(a * y + b * x + 2.1 * ch + 0.5 * i) * Math.cos(0.4 * x - 0.9 * y + i);
  }
  return out;
}

const toNhwc = (d: Float32Array, [n, c, h, w]: number[]) => tf.transpose(tf.tensor4d(d, [n, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;

for (const cs of cases) {
  test(`matches NVIDIA's AugmentPipe: ${cs.name} (p ${cs.p}, ${cs.shape.join('x')})`, () => {
    const npz = parseNpz(fs.readFileSync(`${DIR}/${cs.name}.npz`));
    const keys = Object.keys(npz).filter((k) => k.startsWith('draw')).sort();
    assert.equal(keys.length, cs.draws);
    const calls: RecordedDraw[] = keys.map((k) => ({ fn: k.endsWith('_randn') ? 'randn' : 'rand', shape: [...npz[k].shape], values: npz[k].data as Float32Array }));
    const draws = replayDraws(calls);
    const params = drawAugmentParams(specOf(cs.kwargs), cs.p, cs.shape, draws);
    assert.equal(draws.remaining(), 0, 'every recorded draw is used');
    const x = toNhwc(pattern(cs.shape, 0.7, 1.3), cs.shape);
    const dy = toNhwc(pattern(cs.shape, -0.3, 0.8), cs.shape);
    const want = toNhwc(npz.y.data as Float32Array, cs.shape), wantDx = toNhwc(npz.dx.data as Float32Array, cs.shape);
    const scale = Math.max(...Array.from(want.dataSync(), Math.abs));
    // The backend's path (the fused geometric kernel on native) and the composite one.
    for (const composite of [false, true]) {
      const y = applyAugment(x, params, { composite });
      const errY = maxAbsDiff(y.dataSync(), want.dataSync());
      const dx = tf.grad((inp: tf.Tensor) => tf.sum(tf.mul(applyAugment(inp as tf.Tensor4D, params, { composite }), dy)))(x);
      const errDx = maxAbsDiff(dx.dataSync(), wantDx.dataSync());
      assert.ok(errY < 2e-5 * Math.max(1, scale), `output differs by ${errY}${composite ? ' (composite)' : ''}`);
      assert.ok(errDx < 5e-5 * Math.max(1, scale), `input gradient differs by ${errDx}${composite ? ' (composite)' : ''}`);
      if (process.env.AUG_VERBOSE) console.log(cs.name, composite ? 'composite' : tf.getBackend(), errY, errDx, scale);
      tf.dispose([y, dx]);
    }
    tf.dispose([x, dy, want, wantDx]);
  });
}

function randomPlan(seed: number) {
  const r = testRandom(seed), n = 2;
  const theta = Float64Array.from({ length: n * 6 }, (_, i) => [1, 0, 0, 0, 1, 0][i % 6] + (r() - 0.5) * 0.8);
  return affineSamplePlan(theta, n, 7, 9, 5, 6);
}

test('bilinear sampling: gradient by finite differences, composite twin, transposed map', () => {
  const plan = randomPlan(3);
  const r = testRandom(4);
  const xd = Float32Array.from({ length: 2 * 3 * 7 * 9 }, () => r() * 2 - 1);
  const wd = Float32Array.from({ length: 2 * 3 * 5 * 6 }, () => r() * 2 - 1);
  const x = tf.tensor4d(xd, [2, 3, 7, 9]), wt = tf.tensor4d(wd, [2, 3, 5, 6]);
  const loss = (inp: tf.Tensor) => tf.sum(tf.mul(tf.square(bilinearSample(inp as tf.Tensor4D, plan)), wt));
  const g = tf.grad(loss)(x).dataSync();
  // Central differences in float64 from the kernel's own forward (the map is linear, the loss quadratic).
  const f64 = (v: Float32Array) => tf.tidy(() => loss(tf.tensor4d(v, [2, 3, 7, 9])).dataSync()[0]);
  let worst = 0;
  for (const i of [0, 5, 17, 40, 63, 100, 150, 200, 377]) {
    const h = 1e-2, a = xd.slice(), b = xd.slice();
    a[i] += h; b[i] -= h;
    const num = (f64(a) - f64(b)) / (2 * h);
    worst = Math.max(worst, Math.abs(num - g[i]));
  }
  assert.ok(worst < 2e-3, `finite differences differ by ${worst}`);
  // The composite (gather) version gives the same values and gradients.
  const yc = bilinearSampleComposite(x, plan), yk = bilinearSample(x, plan);
  assert.ok(maxAbsDiff(yc.dataSync(), yk.dataSync()) < 1e-6);
  const gc = tf.grad((inp: tf.Tensor) => tf.sum(tf.mul(tf.square(bilinearSampleComposite(inp as tf.Tensor4D, plan)), wt)))(x).dataSync();
  assert.ok(maxAbsDiff(gc, g) < 1e-5);
  // Every output pixel inside the image has weights summing to 1.
  for (let o = 0; o < plan.w.length; o += 4) {
    const s = plan.w[o] + plan.w[o + 1] + plan.w[o + 2] + plan.w[o + 3];
    assert.ok(s <= 1 + 1e-6);
  }
  tf.dispose([x, wt, yc, yk]);
});

test('gradients of gradients flow through the pipe (R1 through the augmentation)', () => {
  const spec = augmentSpec('bgcfnc');
  const shape: [number, number, number, number] = [2, 3, 24, 24];
  const r = testRandom(9);
  const replay = () => {
    const rr = testRandom(11);
    return { rand: (s: number[]) => Float64Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rr()), randn: (s: number[]) => Float64Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rr() * 2 - 1) };
  };
  const params = drawAugmentParams(spec, 0.9, shape, replay());
  const x = tf.tensor4d(Float32Array.from({ length: 2 * 24 * 24 * 3 }, () => r() - 0.5), [2, 24, 24, 3]);
  const k = tf.variable(tf.tensor4d(Float32Array.from({ length: 24 * 24 * 3 }, () => r() - 0.5), [1, 24, 24, 3]));
  // "D" = sum(k * aug(x)^2): grad_x is linear in k, so ||grad_x||^2 has a non-zero gradient in k.
  const penalty = () => {
    const gx = tf.grad((inp: tf.Tensor) => tf.sum(tf.mul(k, tf.square(applyAugment(inp as tf.Tensor4D, params)))))(x);
    return tf.sum(tf.square(gx)) as tf.Scalar;
  };
  const { grads } = tf.variableGrads(penalty, [k]);
  const gk = grads[k.name].dataSync();
  // Finite differences on one element of k.
  const kd = k.dataSync().slice(), h = 1e-2;
  let i = 0;
  for (let j = 0; j < gk.length; j++) if (Math.abs(gk[j]) > Math.abs(gk[i])) i = j;
  const at = (v: number) => {
    const kk = kd.slice();
    kk[i] = v;
    k.assign(tf.tensor4d(kk, [1, 24, 24, 3]));
    return penalty().dataSync()[0];
  };
  const num = (at(kd[i] + h) - at(kd[i] - h)) / (2 * h);
  assert.ok(Math.abs(gk[i]) > 1e-4, 'the second-order gradient is not zero');
  assert.ok(Math.abs(num - gk[i]) < 2e-2 * Math.max(1, Math.abs(num)), `second-order gradient ${gk[i]} vs finite differences ${num}`);
  tf.dispose([x, k, grads]);
});

test('fused geometric kernel (native) = the composite stage: values, gradients, gradients of gradients, finite differences', async () => {
  assert.equal(await initNodeBackend('native', true), 'native');
  assert.ok(hasFusedKernel(FUSED.augmentGeom), 'the native addon has no augmentGeom kernel: rebuild it (node native/build.mjs)');
  // Strong geometry on a non-square RGB batch and a grey one (the kernel's channel loop).
  for (const shape of [[3, 3, 12, 20], [2, 1, 16, 16]] as Array<[number, number, number, number]>) {
    const [n, c, h, w] = shape;
    const rr = testRandom(21 + c);
    const draws = { rand: (s: number[]) => Float64Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rr()), randn: (s: number[]) => Float64Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (rr() * 2 - 1) * 1.5) };
    const gInv = drawAugmentParams(augmentSpec('bg'), 1, shape, draws).gInv!;
    const plan = geometricPlan(gInv, n, h, w);
    const r = testRandom(5);
    const xd = Float32Array.from({ length: n * h * w * c }, () => r() * 2 - 1);
    const x = tf.tensor4d(xd, [n, h, w, c]), k = tf.tensor4d(Float32Array.from({ length: n * h * w * c }, () => r() - 0.5), [n, h, w, c]);
    const yf = applyGeometric(x, plan), yc = applyGeometricComposite(x, plan);
    assert.ok(maxAbsDiff(yf.dataSync(), yc.dataSync()) < 1e-5, `outputs differ by ${maxAbsDiff(yf.dataSync(), yc.dataSync())}`);
    assert.ok(Math.max(...Array.from(yf.dataSync(), Math.abs)) > 0.1, 'the stage is not all zeros');
    const loss = (fn: typeof applyGeometric) => (inp: tf.Tensor) => tf.sum(tf.mul(k, tf.square(fn(inp as tf.Tensor4D, plan))));
    const gf = tf.grad(loss(applyGeometric))(x), gc = tf.grad(loss(applyGeometricComposite))(x);
    assert.ok(maxAbsDiff(gf.dataSync(), gc.dataSync()) < 1e-5, `gradients differ by ${maxAbsDiff(gf.dataSync(), gc.dataSync())}`);
    // Finite differences of the fused kernel's loss (quadratic in x, so central differences are exact up to rounding).
    const at = (v: Float32Array) => tf.tidy(() => loss(applyGeometric)(tf.tensor4d(v, [n, h, w, c])).dataSync()[0]);
    const g = gf.dataSync();
    let worst = 0;
    for (const i of [0, 7, 31, 100, 257, xd.length - 1]) {
      const a = xd.slice(), b = xd.slice(), d = 1e-2;
      a[i] += d; b[i] -= d;
      worst = Math.max(worst, Math.abs((at(a) - at(b)) / (2 * d) - g[i]));
    }
    assert.ok(worst < 2e-3, `finite differences differ by ${worst}`);
    // Second order: the gradient of ||grad_x||^2 in k, fused vs composite.
    const second = (fn: typeof applyGeometric) => tf.grad((kk: tf.Tensor) => {
      const gx = tf.grad((inp: tf.Tensor) => tf.sum(tf.mul(kk, tf.square(fn(inp as tf.Tensor4D, plan)))))(x);
      return tf.sum(tf.square(gx)) as tf.Scalar;
    })(k);
    const sf = second(applyGeometric), sc = second(applyGeometricComposite);
    const scale = Math.max(...Array.from(sc.dataSync(), Math.abs));
    assert.ok(scale > 1e-3 && maxAbsDiff(sf.dataSync(), sc.dataSync()) < 1e-5 * Math.max(1, scale), 'second-order gradients differ');
    tf.dispose([x, k, yf, yc, gf, gc, sf, sc]);
  }
});

/** Uniform draws from testRandom(seed): rand in [0, 1), randn in [-1, 1). */
function uniformDraws(seed: number) {
  const q = testRandom(seed);
  const fill = (s: number[], f: () => number) => Float64Array.from({ length: s.reduce((a, b) => a * b, 1) }, f);
  return { rand: (s: number[]) => fill(s, q), randn: (s: number[]) => fill(s, () => q() * 2 - 1) };
}

/** bgcfnc without the image-space filter (which is not skipped: its normalised gains are not 1). */
const BGCNC = { ...augmentSpec('bgcfnc'), imgfilter: 0 };

test('stages whose draws change nothing are skipped: p = 0 leaves the images (NVIDIA resamples them: float rounding apart)', () => {
  const shape: [number, number, number, number] = [2, 3, 16, 16];
  const rr = testRandom(3);
  const draws = () => uniformDraws(8);
  const x = tf.tensor4d(Float32Array.from({ length: 2 * 16 * 16 * 3 }, () => rr() * 2 - 1), [2, 16, 16, 3]);
  const params = drawAugmentParams(BGCNC, 0, shape, draws());
  const skipped = applyAugment(x, params, { skipIdentity: true }), full = applyAugment(x, params);
  assert.deepEqual(Array.from(skipped.dataSync()), Array.from(x.dataSync()));
  const err = maxAbsDiff(full.dataSync(), x.dataSync());
  assert.ok(err < 1e-5, `the resampled identity differs by ${err}`);
  // At p = 1 nothing is skipped.
  const strong = drawAugmentParams(BGCNC, 1, shape, draws());
  assert.deepEqual(Array.from(applyAugment(x, strong, { skipIdentity: true }).dataSync()), Array.from(applyAugment(x, strong).dataSync()));
  tf.dispose([x, skipped, full]);
});

test('skipping per image: where some images drew no geometric transform, the fused kernel resamples only the others, as in the whole batch', () => {
  assert.ok(hasFusedKernel(FUSED.augmentGeom), 'the native backend has the fused geometric kernel');
  const n = 8, shape: [number, number, number, number] = [n, 3, 16, 16];
  const rr = testRandom(5);
  const x = tf.tensor4d(Float32Array.from({ length: n * 16 * 16 * 3 }, () => rr() * 2 - 1), [n, 16, 16, 3]);
  const geom = augmentSpec('bg');
  for (const seed of [1, 2, 3]) {
    const params = drawAugmentParams(geom, 0.1, shape, uniformDraws(seed));
    const g = params.gInv!;
    const still = Array.from({ length: n }, (_, b) => b).filter((b) => isIdentity(g.subarray(b * 9, b * 9 + 9)));
    assert.ok(still.length > 0 && still.length < n, `seed ${seed}: ${still.length} of ${n} images without a transform (the test needs some of each)`);
    const skipped = applyAugment(x, params, { skipIdentity: true }), full = applyAugment(x, params);
    const xs = x.dataSync(), ys = skipped.dataSync(), fs = full.dataSync(), m = 16 * 16 * 3;
    for (let b = 0; b < n; b++) {
      const part = (a: ArrayLike<number>) => Array.from(a).slice(b * m, (b + 1) * m);
      if (still.includes(b)) assert.deepEqual(part(ys), part(xs), `image ${b} (no transform) changed`);
      else assert.ok(maxAbsDiff(part(ys), part(fs)) < 1e-6, `image ${b}: differs from the whole batch's stage by ${maxAbsDiff(part(ys), part(fs))}`);
    }
    // The transformed images really moved, and the gradient reaches x through both paths.
    assert.ok(maxAbsDiff(ys, xs) > 0.1);
    const gs = tf.grad((t: tf.Tensor) => tf.sum(tf.square(applyAugment(t as tf.Tensor4D, params, { skipIdentity: true }))))(x);
    const gf = tf.grad((t: tf.Tensor) => tf.sum(tf.square(applyAugment(t as tf.Tensor4D, params))))(x);
    assert.ok(maxAbsDiff(gs.dataSync(), gf.dataSync()) < 1e-4, `gradients differ by ${maxAbsDiff(gs.dataSync(), gf.dataSync())}`);
    tf.dispose([skipped, full, gs, gf]);
  }
  x.dispose();
});
