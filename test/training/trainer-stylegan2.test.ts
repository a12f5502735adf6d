/**
 * The stylegan2 trainer (stylegan2-ada-pytorch's StyleGAN2Loss + training_loop.py): the path
 * length penalty against a closed form and finite differences, the lazy regularization
 * schedule and Adam settings, no leaked tensors, and an exact resume through a snapshot.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, testRandom, tinyData, assertSameBits } from '../helpers.js';
import { defaultStyleGAN2Config } from '../../src/networks/stylegan2/config.js';
import type { StyleGAN2Config } from '../../src/networks/stylegan2/config.js';
import { StyleGAN2Generator } from '../../src/networks/stylegan2/generator.js';
import { pathLengthPenalty, pathLengths } from '../../src/training/path-length.js';
import { Stylegan2Trainer, lazyAdam, phasesAt } from '../../src/training/trainer-stylegan2.js';
import { stylegan2Preset, type Stylegan2HyperParams } from '../../src/training/stylegan2-presets.js';
import type { RawTensor } from '../../src/networks/params.js';
import { decodeNetworkSnapshot, encodeSnapshot } from '../../src/io/snapshot.js';

before(setup);

/** 16 px, 8 channels, 8-d latents (4 + 2 ws... 6 ws); mbstd groups of 2. */
const cfg: StyleGAN2Config = defaultStyleGAN2Config({
  zDim: 8, wDim: 8, imgResolution: 8,
  mapping: { numLayers: 2 },
  synthesis: { channelBase: 32, channelMax: 8, convClamp: 256 },
  discriminator: { channelBase: 32, channelMax: 8, mbstdGroupSize: 2 },
});

const hyper = (over: Partial<Stylegan2HyperParams> = {}): Stylegan2HyperParams => ({
  ...stylegan2Preset('cpu', 8).hyper, plWeight: 2, batch: 4, seed: 5, gRegInterval: 2, dRegInterval: 3, ...over,
});

function raw(tr: Stylegan2Trainer): Record<string, Record<string, RawTensor>> {
  return { G: tr.G.store.toRaw(), G_ema: tr.Gema.store.toRaw(), D: tr.D.store.toRaw(), optG: tr.optG.toRaw(), optD: tr.optD.toRaw() };
}

test('path lengths: closed form for a linear synthesis; pl_mean and penalty as NVIDIA lerp', () => {
  // img = k * ws viewed as [N, L, D, 1]: d sum(img * y) / dws = k * y, so length = k sqrt(mean_L sum_D y^2).
  const [n, L, D, k] = [3, 4, 5, 0.7];
  const ws = tf.randomNormal([n, L, D], 0, 1, 'float32', 1) as tf.Tensor3D;
  const y = tf.randomNormal([n, L, D, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
  const lengths = pathLengths((w) => tf.reshape(tf.mul(w, k), [n, L, D, 1]) as tf.Tensor4D, ws, y);
  const yd = y.dataSync();
  const want = Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < L * D; j++) s += yd[i * L * D + j] ** 2;
    return k * Math.sqrt(s / L);
  });
  lengths.dataSync().forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `length ${i}: ${v} vs ${want[i]}`));
  const t = pathLengthPenalty(lengths, 0.5, 0.01);
  const ls = Array.from(lengths.dataSync()), mean = 0.5 + (ls.reduce((a, b) => a + b) / n - 0.5) * 0.01;
  assert.ok(Math.abs(t.plMean.dataSync()[0] - mean) < 1e-6);
  assert.ok(Math.abs(t.penalty.dataSync()[0] - ls.reduce((a, l) => a + (l - mean) ** 2, 0) / n) < 1e-5);
  tf.dispose([ws, y, lengths, t.penalty, t.plMean]);
});

test('path length penalty: its gradient through the real StyleGAN2 synthesis matches finite differences', () => {
  const G = new StyleGAN2Generator(cfg, testRandom(3));
  const ws = tf.tidy(() => G.mappingForward(tf.randomNormal([2, cfg.zDim], 0, 1, 'float32', 4)));
  const y = tf.randomNormal([2, 8, 8, 3], 0, 1 / 8, 'float32', 6) as tf.Tensor4D;
  const penalty = () => tf.tidy(() => pathLengthPenalty(pathLengths((w) => G.synthesis.forward(w, { noiseMode: 'none' }), ws, y), 0.3, 0.01).penalty);
  // Entries of a modulated conv weight, affine (style) weights and a ToRGB weight. The path length
  // is only piecewise smooth (lrelu's derivative steps), so these are entries whose finite
  // differences stay on one piece (biases feeding near-zero activations do not).
  const names = ['synthesis.b4.conv1.weight', 'synthesis.b8.conv1.affine.weight', 'synthesis.b8.torgb.affine.weight', 'synthesis.b8.torgb.weight'];
  const vars = names.map((nm) => G.store.get(nm));
  const { grads, value } = tf.variableGrads(penalty, vars);
  for (const [i, v] of vars.entries()) {
    const g = grads[v.name].dataSync()[0];
    const orig = v.dataSync()[0], eps = 1e-2, flat = v.dataSync().slice();
    const at = (x: number) => {
      flat[0] = x;
      v.assign(tf.tensor(flat, v.shape));
      const p = penalty(), out = p.dataSync()[0];
      p.dispose();
      return out;
    };
    const fd = (at(orig + eps) - at(orig - eps)) / (2 * eps);
    at(orig);
    assert.ok(g !== 0 && Math.abs(fd - g) <= 1e-2 * Math.abs(g) + 1e-6, `${names[i]}: autodiff ${g} vs finite differences ${fd}`);
  }
  tf.dispose([ws, y, value, grads]);
  G.dispose();
});

test('lazy regularization: PL every gRegInterval, R1 every dRegInterval (step 0 included); Adam lr and betas scaled', () => {
  const h = { gRegInterval: 4, dRegInterval: 16, plWeight: 2, r1Gamma: 1 };
  const steps = Array.from({ length: 34 }, (_, i) => phasesAt(i, h));
  assert.deepEqual(steps.flatMap((p, i) => (p.greg ? [i] : [])), [0, 4, 8, 12, 16, 20, 24, 28, 32]);
  assert.deepEqual(steps.flatMap((p, i) => (p.dreg ? [i] : [])), [0, 16, 32]);
  assert.deepEqual(phasesAt(0, { ...h, plWeight: 0, r1Gamma: 0 }), { greg: false, dreg: false }, 'a 0 weight skips the phase (cifar)');
  const a = lazyAdam(0.002, 16);
  assert.ok(Math.abs(a.lr - 0.002 * 16 / 17) < 1e-12 && a.beta1 === 0 && Math.abs(a.beta2 - 0.99 ** (16 / 17)) < 1e-12 && a.eps === 1e-8);
  // The trainer steps each optimizer once per main phase and once per reg phase.
  const tr = new Stylegan2Trainer(cfg, hyper({ gRegInterval: 2, dRegInterval: 3 }), tinyData(cfg.imgResolution, 6));
  for (let i = 0; i < 4; i++) tr.trainStep();
  assert.equal(tr.optG.step, 4 + 2, 'Gmain x4 + Greg at steps 0, 2');
  assert.equal(tr.optD.step, 4 + 2, 'Dmain x4 + Dreg at steps 0, 3');
  assert.ok(tr.plMean > 0, `pl_mean tracked: ${tr.plMean}`);
  assert.ok(tr.lastR1 > 0 && tr.lastPl > 0);
  tr.dispose();
});

test('stylegan2 training steps leak no tensors and losses are finite', () => {
  const tr = new Stylegan2Trainer(cfg, hyper({ gRegInterval: 2, dRegInterval: 2 }), tinyData(cfg.imgResolution, 6));
  tr.trainStep(); // warm-up, with both reg phases
  const base = tf.memory().numTensors;
  for (let i = 0; i < 4; i++) {
    const s = tr.trainStep();
    assert.equal(tf.memory().numTensors, base, `tensors after step ${tr.step}`);
    for (const [k, v] of Object.entries(s)) assert.ok(Number.isFinite(v), `step ${tr.step}: ${k} = ${v}`);
  }
  assert.equal(tr.nimg, 20);
  tr.dispose();
});

test('stylegan2 exact resume: 2 + 2 steps through encode/decodeSnapshot equal 4 straight, bit for bit (pl_mean too)', () => {
  const data = tinyData(cfg.imgResolution, 6);
  const straight = new Stylegan2Trainer(cfg, hyper(), data);
  for (let i = 0; i < 4; i++) straight.trainStep();
  const first = new Stylegan2Trainer(cfg, hyper(), data);
  for (let i = 0; i < 2; i++) first.trainStep();
  const bytes = encodeSnapshot(first.toSnapshot());
  first.dispose();
  const s = decodeNetworkSnapshot(bytes, 'mid.safetensors');
  assert.equal(s.config.arch, 'stylegan2');
  const resumed = new Stylegan2Trainer(s.config as StyleGAN2Config, hyper({ seed: 99 }), data);
  resumed.loadSnapshot(s, 'mid.safetensors');
  for (let i = 0; i < 2; i++) resumed.trainStep();
  assert.equal(resumed.step, 4);
  assert.equal(resumed.nimg, straight.nimg);
  assert.equal(resumed.plMean, straight.plMean);
  assert.deepEqual(resumed.rng.getState(), straight.rng.getState());
  assertSameBits(raw(resumed), raw(straight));
  assert.notDeepEqual(raw(straight).G, raw(straight).G_ema, 'G_ema is an average, not a copy');
  resumed.dispose();
  straight.dispose();
});
