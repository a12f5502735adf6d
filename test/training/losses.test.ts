/**
 * GAN losses against closed forms, with toy discriminators whose input gradients are known:
 * D(x) = <w, x> (gradient w) and D(x) = a * sum(x^2) (gradient 2 a x, so the R1 penalty has a
 * known derivative in a: this checks the gradient of a gradient that training relies on).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, testRandom } from '../helpers.js';
import { discriminatorLoss, generatorLoss, gradNormSquared } from '../../src/training/losses.js';

before(setup);

const N = 3, H = 4, W = 4, C = 3, SIZE = H * W * C;
const rand = testRandom(11);
const values = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
const xs = values(N * SIZE), ys = values(N * SIZE), wv = values(SIZE, 0.3);
const sumSq = (a: ArrayLike<number>, from = 0, n = a.length) => { let s = 0; for (let i = from; i < from + n; i++) s += a[i] ** 2; return s; };
const close = (got: number, want: number, what: string, tol = 1e-4) => assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);
const softplus = (v: number) => Math.log1p(Math.exp(v));

/** D(x) = <w, x> per sample, [N, 1]. */
const linearD = (w: tf.Tensor) => (x: tf.Tensor4D) => tf.reshape(tf.sum(tf.mul(x, w), [1, 2, 3]), [-1, 1]) as tf.Tensor2D;
const dotW = (a: Float32Array, i: number) => { let s = 0; for (let j = 0; j < SIZE; j++) s += a[i * SIZE + j] * wv[j]; return s; };

test('gradNormSquared: ||w||^2 per sample for a linear D; 4 a^2 ||x||^2 for a * sum(x^2)', () => {
  const x = tf.tensor4d(xs, [N, H, W, C]), w = tf.tensor3d(wv, [H, W, C]), a = tf.scalar(0.7);
  const lin = gradNormSquared(linearD(w), x);
  assert.deepEqual(lin.shape, [N]);
  lin.dataSync().forEach((v, i) => close(v, sumSq(wv), `linear [${i}]`));
  const quad = gradNormSquared((inp) => tf.reshape(tf.mul(a, tf.sum(tf.square(inp), [1, 2, 3])), [-1, 1]) as tf.Tensor2D, x);
  quad.dataSync().forEach((v, i) => close(v, 4 * 0.49 * sumSq(xs, i * SIZE, SIZE), `quadratic [${i}]`));
  tf.dispose([x, w, a, lin, quad]);
});

test('R1 is differentiable in D\'s parameters: d/da mean(4 a^2 ||x||^2) = 8 a mean(||x||^2)', () => {
  const x = tf.tensor4d(xs, [N, H, W, C]), a = tf.variable(tf.scalar(0.7));
  const { value, grads } = tf.variableGrads(() => tf.mean(gradNormSquared((inp) => tf.reshape(tf.mul(a, tf.sum(tf.square(inp), [1, 2, 3])), [-1, 1]) as tf.Tensor2D, x)) as tf.Scalar, [a]);
  let mean = 0;
  for (let i = 0; i < N; i++) mean += sumSq(xs, i * SIZE, SIZE) / N;
  close(value.dataSync()[0], 4 * 0.49 * mean, 'penalty');
  close(grads[a.name].dataSync()[0], 8 * 0.7 * mean, 'd penalty / d a');
  tf.dispose([x, a, value, grads[a.name]]);
});

test('nsgan-r1 and wgan-gp D losses, and both G losses, equal their closed forms for a linear D', () => {
  const reals = tf.tensor4d(xs, [N, H, W, C]), fakes = tf.tensor4d(ys, [N, H, W, C]), w = tf.tensor3d(wv, [H, W, C]);
  const d = linearD(w), dr = [0, 1, 2].map((i) => dotW(xs, i)), df = [0, 1, 2].map((i) => dotW(ys, i));
  const mean = (f: (i: number) => number) => (f(0) + f(1) + f(2)) / N;

  const ns = discriminatorLoss('nsgan-r1', d, reals, fakes, { r1Gamma: 4 });
  const gan = mean((i) => softplus(df[i]) + softplus(-dr[i]));
  close(ns.gan.dataSync()[0], gan, 'ns gan');
  close(ns.penalty.dataSync()[0], sumSq(wv), 'r1');
  close(ns.total.dataSync()[0], gan + 2 * sumSq(wv), 'ns total = gan + gamma/2 r1');
  const noR1 = discriminatorLoss('nsgan-r1', d, reals, fakes, { r1Gamma: 0 });
  close(noR1.total.dataSync()[0], gan, 'gamma 0: no penalty');

  // The gradient of a linear D is w wherever it is taken, so the GP is (||w|| - 1)^2 for any mix.
  const mixWeights = tf.tensor1d([0, 0.5, 1]);
  const gp = discriminatorLoss('wgan-gp', d, reals, fakes, { mixWeights });
  const wganGan = mean((i) => df[i] - dr[i]), pen = (Math.sqrt(sumSq(wv) + 1e-8) - 1) ** 2;
  close(gp.gan.dataSync()[0], wganGan, 'wgan gan');
  close(gp.penalty.dataSync()[0], pen, 'gp');
  close(gp.total.dataSync()[0], wganGan + 10 * pen + 0.001 * mean((i) => dr[i] ** 2), 'wgan total = gan + 10 gp + 0.001 drift');

  const logits = tf.tensor2d(df, [N, 1]);
  const gNs = generatorLoss('nsgan-r1', logits), gW = generatorLoss('wgan-gp', logits);
  close(gNs.dataSync()[0], mean((i) => softplus(-df[i])), 'G non-saturating');
  close(gW.dataSync()[0], -mean((i) => df[i]), 'G wgan');
  tf.dispose([reals, fakes, w, mixWeights, logits, gNs, gW, ...Object.values(ns), ...Object.values(noR1), ...Object.values(gp)]);
});
