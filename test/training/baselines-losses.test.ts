/**
 * The baselines' objectives against closed forms on tiny linear cases, and the two gradient
 * penalties (WGAN-GP, DRAGAN) checked by central finite differences of their parameter gradients
 * (the penalties differentiate through an input gradient: a gradient of a gradient).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, testRandom } from '../helpers.js';
import {
  aaeGeneratorLoss, bceWithLogits, sigmoid2, beganEnergy, beganUpdate, draganGradientPenalty, leastSquares, reparameterize, vaeLoss,
  wassersteinCritic, wassersteinGenerator, wganGradientPenalty,
} from '../../src/training/baselines/losses.js';
import { DcganDiscriminator } from '../../src/networks/baselines/dcgan.js';
import { leaky } from '../../src/networks/baselines/layers.js';
import { baselineConfig } from '../../src/networks/baselines/config.js';

before(setup);

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
const val = (t: tf.Scalar) => { const v = t.dataSync()[0]; t.dispose(); return v; };

test('BCE from logits = -[t log sigmoid(l) + (1 - t) log(1 - sigmoid(l))], mean', () => {
  const l = [-3, -0.5, 0, 0.7, 4];
  for (const t of [0, 1]) {
    const want = l.reduce((a, v) => a - (t * Math.log(sigmoid(v)) + (1 - t) * Math.log(1 - sigmoid(v))), 0) / l.length;
    close(val(bceWithLogits(tf.tensor2d(l, [5, 1]), t)), want, 1e-6, `target ${t}`);
  }
});

test('least squares, Wasserstein critic and generator losses', () => {
  const p = [0.2, -1, 3], r = [1, 2, 0.5], f = [-0.5, 0, 1.5];
  close(val(leastSquares(tf.tensor(p), 1)), ((0.2 - 1) ** 2 + 4 + 4) / 3, 1e-6, 'lsgan');
  close(val(wassersteinCritic(tf.tensor(r), tf.tensor(f))), -(3.5 / 3) + 1 / 3, 1e-6, 'critic');
  close(val(wassersteinGenerator(tf.tensor(f))), -1 / 3, 1e-6, 'generator');
});

/** D(x) = sum(w * x) + b on [N, 2, 2, 1] images: its input gradient is w everywhere. */
function linearD(w: number[], b: number) {
  const wt = tf.tensor4d(w, [1, 2, 2, 1]);
  return { d: (x: tf.Tensor4D) => tf.reshape(tf.add(tf.sum(tf.mul(x, wt), [1, 2, 3]), b), [-1, 1]), dispose: () => wt.dispose() };
}

test('WGAN-GP on a linear critic: (||w|| - 1)^2 whatever the interpolation', () => {
  const w = [0.3, -1.2, 0.5, 2], norm = Math.hypot(...w);
  const { d, dispose } = linearD(w, 0.1);
  const reals = tf.randomUniform([3, 2, 2, 1], -1, 1) as tf.Tensor4D, fakes = tf.randomUniform([3, 2, 2, 1], -1, 1) as tf.Tensor4D;
  close(val(wganGradientPenalty(d, reals, fakes, tf.tensor1d([0, 0.4, 1]))), (norm - 1) ** 2, 1e-5, 'penalty');
  tf.dispose([reals, fakes]);
  dispose();
});

test('DRAGAN on a linear D: gradient of sigmoid(w.x + b) at x_hat = a x + (1 - a)(x + std(x) u / 2)', () => {
  const w = [0.3, -1.2, 0.5, 2], b = -0.2, norm = Math.hypot(...w);
  const { d, dispose } = linearD(w, b);
  const x = [0.1, -0.4, 0.9, 0.3, -0.8, 0.6, 0.2, -0.1];
  const rand = testRandom(5), a = x.map(() => rand()), u = x.map(() => rand());
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  const std = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / (x.length - 1));
  const xHat = x.map((v, i) => a[i] * v + (1 - a[i]) * (v + 0.5 * std * u[i]));
  let want = 0;
  for (let n = 0; n < 2; n++) {
    const s = sigmoid(w.reduce((acc, wi, i) => acc + wi * xHat[n * 4 + i], b));
    want += (s * (1 - s) * norm - 1) ** 2 / 2;
  }
  const got = val(draganGradientPenalty(d, tf.tensor4d(x, [2, 2, 2, 1]), tf.tensor4d(a, [2, 2, 2, 1]), tf.tensor4d(u, [2, 2, 2, 1])));
  close(got, want, 1e-5, 'penalty');
  dispose();
});

/** Central differences of f over chosen entries of `v`, against tf.variableGrads. */
function checkGradient(f: () => tf.Scalar, v: tf.Variable, entries: number[], eps: number, tol: number, what: string): void {
  const { grads, value } = tf.variableGrads(f, [v]);
  const g = grads[v.name].dataSync();
  tf.dispose([grads, value]);
  const base = v.dataSync().slice();
  for (const i of entries) {
    const at = (delta: number) => {
      const p = base.slice();
      p[i] += delta;
      v.assign(tf.tensor(p, v.shape));
      return tf.tidy(() => f().dataSync()[0]);
    };
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    v.assign(tf.tensor(base, v.shape));
    assert.ok(Math.abs(fd - g[i]) <= tol * Math.max(1e-3, Math.abs(fd)), `${what}[${i}]: autodiff ${g[i]} vs finite differences ${fd}`);
  }
}

test('WGAN-GP gradient w.r.t. the critic\'s weights equals finite differences (LeakyReLU MLP critic)', () => {
  const rand = testRandom(11);
  const W = tf.variable(tf.tensor2d(Array.from({ length: 12 * 5 }, () => rand() - 0.5), [12, 5]));
  const v = tf.variable(tf.tensor2d(Array.from({ length: 5 }, () => rand() * 2 - 1), [5, 1]));
  const d = (x: tf.Tensor4D) => tf.matMul(leaky(tf.matMul(tf.reshape(x, [-1, 12]), W)) as tf.Tensor2D, v);
  const reals = tf.randomUniform([3, 2, 2, 3], -1, 1, 'float32', 1) as tf.Tensor4D, fakes = tf.randomUniform([3, 2, 2, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
  const alpha = tf.tensor1d([0.2, 0.5, 0.9]);
  const f = () => wganGradientPenalty(d, reals, fakes, alpha);
  checkGradient(f, W, [0, 7, 23, 41, 59], 1e-2, 2e-2, 'dGP/dW');
  checkGradient(f, v, [0, 2, 4], 1e-2, 2e-2, 'dGP/dv');
  tf.dispose([W, v, reals, fakes, alpha]);
});

test('DRAGAN gradient w.r.t. DCGAN D\'s weights (conv, batch norm, sigmoid) equals finite differences', () => {
  const D = new DcganDiscriminator(baselineConfig('dragan', 16), testRandom(12));
  const reals = tf.randomUniform([4, 16, 16, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
  const a = tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor4D, u = tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const f = () => draganGradientPenalty((x) => D.forward(x), reals, a, u);
  checkGradient(f, D.store.get('adv.weight'), [0, 50, 127], 2e-2, 3e-2, 'adv.weight');
  checkGradient(f, D.store.get('conv0.weight'), [5, 200], 2e-2, 3e-2, 'conv0.weight');
  checkGradient(f, D.store.get('bn2.weight'), [3], 2e-2, 3e-2, 'bn2.weight');
  tf.dispose([reals, a, u]);
  D.dispose();
});

test('BEGAN: energy mean |D(x) - x|, k clipped to [0, 1], M = E_real + |gamma E_real - E_fake|', () => {
  close(val(beganEnergy(tf.tensor([1, 2, 3]), tf.tensor([1.5, 2, 1]))), (0.5 + 0 + 2) / 3, 1e-6, 'energy');
  const u = beganUpdate(0.1, 0.4, 0.2, 0.75, 1e-3);
  close(u.k, 0.1 + 1e-3 * (0.3 - 0.2), 1e-12, 'k');
  close(u.M, 0.4 + 0.1, 1e-12, 'M');
  assert.equal(beganUpdate(0, 0.1, 5, 0.5, 1).k, 0);
  assert.equal(beganUpdate(0.99, 5, 0, 0.5, 1).k, 1);
});

test('VAE: sum-over-pixels BCE + KL(N(mu, e^logvar) || N(0, I)), mean over the batch; reparameterisation', () => {
  const logits = [0.5, -1, 2, 0, -0.3, 1.1, 0.2, -2], x = [1, -1, 0.5, 0, -0.2, 0.9, 1, -1];
  const mu = [0.3, -0.1, 1, 0.2], logvar = [0.1, -0.5, 0, 0.4];
  let recon = 0;
  logits.forEach((l, i) => { const t = (x[i] + 1) / 2; recon -= t * Math.log(sigmoid(l)) + (1 - t) * Math.log(1 - sigmoid(l)); });
  let kl = 0;
  mu.forEach((m, i) => { kl += -0.5 * (1 + logvar[i] - m * m - Math.exp(logvar[i])); });
  const l = vaeLoss(tf.tensor2d(logits, [2, 4]), tf.tensor4d(x, [2, 2, 2, 1]), tf.tensor2d(mu, [2, 2]), tf.tensor2d(logvar, [2, 2]));
  close(val(l.recon), recon / 2, 1e-5, 'recon');
  close(val(l.kl), kl / 2, 1e-5, 'kl');
  close(val(l.total), (recon + kl) / 2, 1e-5, 'total');
  const z = reparameterize(tf.tensor2d([1, 2], [1, 2]), tf.tensor2d([0, Math.log(4)], [1, 2]), tf.tensor2d([0.5, -1], [1, 2]));
  assert.deepEqual(Array.from(z.dataSync()).map((v) => +v.toFixed(5)), [1.5, 0]);
});

test('AAE generator: 0.001 BCE(D(code), real) + 0.999 mean |decoded - x|', () => {
  const code = [0.4, -1.3], dec = [0.1, 0.5, -0.2, 0.9], real = [0, 1, -1, 1];
  const bce = code.reduce((a, v) => a - Math.log(sigmoid(v)), 0) / 2;
  const l1 = (0.1 + 0.5 + 0.8 + 0.1) / 4;
  close(val(aaeGeneratorLoss(tf.tensor2d(code, [2, 1]), tf.tensor(dec), tf.tensor(real))), 0.001 * bce + 0.999 * l1, 1e-6, 'aae');
});

test('sigmoid2: second derivative s(1 - s)(1 - 2s), through a gradient taken under another gradient', () => {
  const xs = [-2, -0.3, 0.5, 1.7];
  // d/dw of sum(d/dx sigmoid(w x)) at w = 1 = sum(s' + x s''); the inner gradient is what penalties differentiate.
  const w = tf.variable(tf.scalar(1));
  const { grads, value } = tf.variableGrads(() => tf.sum(tf.grad((x: tf.Tensor) => tf.sum(sigmoid2(tf.mul(x, w))))(tf.tensor1d(xs))) as tf.Scalar, [w]);
  const want = xs.reduce((a, x) => { const s = sigmoid(x); return a + s * (1 - s) + x * s * (1 - s) * (1 - 2 * s); }, 0);
  close(grads[w.name].dataSync()[0], want, 1e-5, 'd2');
  tf.dispose([grads, value, w]);
});
