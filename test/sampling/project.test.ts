import { test, before } from 'node:test';
import path from 'node:path';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, maxAbsDiff } from '../helpers.js';
import { tinyGenerator } from './tiny-net.js';
import { project, projectionLr, psnr, noiseRegularization, wStats } from '../../src/sampling/project.js';
import { pixelDistance, lpipsDistance } from '../../src/sampling/projection-distance.js';
import { Vgg16 } from '../../src/metrics/vgg16.js';
import { HashWeights } from '../metrics/hash-weights.js';
import { seedsToZ } from '../../src/sampling/generate.js';
import { readImageRgb, toUint8 } from '../../src/data/grid.js';
import { readNetworkFile } from '../../src/cli/network.js';
import { networkFromSnapshot } from '../../src/sampling/generate.js';
import { floatToRgb } from '../../src/data/study-output.js';
import { encodeNpz, parseNpz } from '../../src/io/npy.js';

before(setup);

test('projector.py learning-rate schedule: 0 at the start, ramps to lr, cosine down to 0', () => {
  const o = { initialLearningRate: 0.1, lrRampdownLength: 0.25, lrRampupLength: 0.05 };
  assert.equal(projectionLr(0, o), 0);
  assert.ok(Math.abs(projectionLr(0.025, o) - 0.05) < 1e-12);
  assert.equal(projectionLr(0.5, o), 0.1);
  assert.ok(Math.abs(projectionLr(0.875, o) - 0.05) < 1e-12);
  assert.ok(projectionLr(0.999, o) < 1e-5);
});

test('noise regulariser: ~0 for white noise at every scale, large for smooth maps', () => {
  const white = tf.randomNormal([1, 64, 64, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  // 8x8 blocks of one value: neighbours are almost always equal.
  const smooth = tf.image.resizeNearestNeighbor(tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 2) as tf.Tensor4D, [64, 64]);
  const rw = noiseRegularization([white]).dataSync()[0], rs = noiseRegularization([smooth]).dataSync()[0];
  assert.ok(rw < 0.005, `white ${rw}`);
  assert.ok(rs > 0.5, `smooth ${rs}`);
});

test('projection recovers an image of the network (PSNR >= 25 dB) and restores the noise maps', async () => {
  const G = tinyGenerator(3);
  const target = tf.tidy(() => G.forward(seedsToZ([7], G.cfg.zDim), { noiseMode: 'const' }));
  const t8 = toUint8(target.dataSync() as Float32Array);
  const t = tf.tidy(() => tf.sub(tf.div(tf.tensor4d(Float32Array.from(t8), target.shape), 127.5), 1) as tf.Tensor4D);
  const { wAvg } = await wStats(G, 1000);
  const start = tf.tidy(() => G.synthesis.forward(tf.tile(tf.tensor3d(wAvg, [1, 1, G.cfg.wDim]), [1, G.numWs, 1]) as tf.Tensor3D, { noiseMode: 'const' }));
  const startPsnr = psnr(toUint8(start.dataSync() as Float32Array), t8);
  const dist = pixelDistance(t);
  const steps: number[] = [];
  const r = await project(G, dist, { numSteps: 150, wAvgSamples: 1000, progressFrames: 5, onStep: (s) => steps.push(s.dist) });
  const final = psnr(toUint8(r.image), t8);
  assert.ok(final >= 25, `final PSNR ${final.toFixed(2)} dB (start ${startPsnr.toFixed(2)} dB)`);
  assert.ok(startPsnr < final - 8, `start ${startPsnr.toFixed(2)} dB is already close`);
  assert.equal(steps.length, 150);
  assert.ok(r.distance < steps[0] / 10);
  assert.equal(r.progress.length, 5);
  assert.deepEqual(r.wShape, [1, G.numWs, G.cfg.wDim]);
  assert.equal(r.w.length, G.numWs * G.cfg.wDim);
  // Not w+: every style holds the same w.
  assert.ok(maxAbsDiff(r.w.subarray(0, G.cfg.wDim), r.w.subarray((G.numWs - 1) * G.cfg.wDim)) === 0);
  // Optimised noise maps are N(0, 1)-normalised; G's own maps are back.
  for (const n of r.noise) {
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    assert.ok(Math.abs(mean) < 1e-4 && Math.abs(n.reduce((a, b) => a + b * b, 0) / n.length - 1) < 1e-3);
  }
  const again = tf.tidy(() => G.forward(seedsToZ([7], G.cfg.zDim), { noiseMode: 'const' }));
  assert.equal(maxAbsDiff(again.dataSync(), target.dataSync()), 0);
  // projected_w.npz in the official layout round-trips.
  const npz = parseNpz(encodeNpz({ w: { data: r.w, shape: r.wShape } }));
  assert.deepEqual(npz.w.shape, [1, G.numWs, G.cfg.wDim]);
  assert.equal(npz.w.dtype, '<f4');
  assert.deepEqual(Array.from(npz.w.data as Float32Array), Array.from(r.w));
  dist.dispose();
  G.dispose();
});

test('w+ projection optimises one w per style and leaks no tensors', async () => {
  const G = tinyGenerator(3);
  const t = tf.tidy(() => G.forward(seedsToZ([2], G.cfg.zDim), { noiseMode: 'const' }));
  const dist = pixelDistance(t);
  await project(G, dist, { numSteps: 3, wAvgSamples: 50, wPlus: true, progressFrames: 2 });
  const tensors = tf.memory().numTensors;
  const r = await project(G, dist, { numSteps: 20, wAvgSamples: 200, wPlus: true, progressFrames: 2 });
  assert.equal(tf.memory().numTensors, tensors, 'no tensors leak');
  assert.ok(maxAbsDiff(r.w.subarray(0, G.cfg.wDim), r.w.subarray((G.numWs - 1) * G.cfg.wDim)) > 1e-4);
  dist.dispose();
  G.dispose();
});

test('LPIPS projection (VGG16 with hashed weights): finite, decreasing distance, same as Vgg16.lpips', async () => {
  const G = tinyGenerator(3);
  const net = new Vgg16(new HashWeights(), 'hash');
  const t = tf.tidy(() => G.forward(seedsToZ([7], G.cfg.zDim), { noiseMode: 'const' }));
  const dist = lpipsDistance(net, t);
  const other = tf.tidy(() => G.forward(seedsToZ([8], G.cfg.zDim), { noiseMode: 'const' }));
  assert.ok(Math.abs(dist.distance(other).dataSync()[0] - net.lpips(other, t).dataSync()[0]) < 1e-6);
  const steps: number[] = [];
  const r = await project(G, dist, { numSteps: 30, wAvgSamples: 200, onStep: (s) => steps.push(s.dist) });
  assert.ok(steps.every(Number.isFinite) && Number.isFinite(r.distance), 'finite');
  assert.ok(r.distance < steps[0], `LPIPS ${steps[0]} -> ${r.distance}`);
  tf.dispose([t, other]);
  dist.dispose();
  net.dispose();
  G.dispose();
});

test('pixel distance: overshoot where the target is saturated (0 or 255) costs nothing, elsewhere it does', () => {
  const t = tf.tensor4d([-1, 1, 0, 0.5], [1, 2, 2, 1]);
  const dist = pixelDistance(t, 2);
  assert.equal(dist.distance(tf.tensor4d([-3, 4, 0, 0.5], [1, 2, 2, 1])).dataSync()[0], 0);
  // Inside the range, or overshooting a pixel that is not saturated: the plain squared error.
  assert.ok(Math.abs(dist.distance(tf.tensor4d([-0.5, 1, 2, 0.5], [1, 2, 2, 1])).dataSync()[0] - (0.25 + 4) / 4) < 1e-6);
  assert.equal(dist.regularizeNoiseWeight, 1e2);
  dist.dispose();
});

const fixture = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/stylegan2-ada-tiny');

// The requirement, with the library's defaults (1000 steps, pixel distance as the CLI without --vgg16).
test('projection recovers an image the StyleGAN2-ADA fixture network generated: PSNR >= 25 dB within the default steps', async () => {
  const file = path.join(fixture, 'network.pkl');
  const G = networkFromSnapshot(readNetworkFile(file), file);
  const target = await readImageRgb(path.join(fixture, 'seed0001-psi0.5.png'), 32);
  const t = tf.tidy(() => tf.sub(tf.div(tf.tensor4d(Float32Array.from(target.data), [1, 32, 32, 3]), 127.5), 1) as tf.Tensor4D);
  const dist = pixelDistance(t);
  const r = await project(G, dist);
  const final = psnr(floatToRgb(r.image, 3), target.data);
  assert.ok(final >= 25, `final PSNR ${final.toFixed(2)} dB`);
  tf.dispose(t);
  dist.dispose();
  G.dispose();
});
