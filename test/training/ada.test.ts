/**
 * Adaptive augmentation: p moves by sign(r_t - target) * batch * interval / (kimg * 1000) every
 * interval steps (training_loop.py), floors at 0; fixed and noaug keep p; the StyleGAN2 trainer
 * with the bgc pipe leaks no tensors, moves p, and resumes bit for bit through a snapshot
 * taken between two adjustments (p and the half-collected signs restored); a conditional trainer
 * with Freeze-D leaks nothing and keeps its frozen layers.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, tinyData, assertSameBits } from '../helpers.js';
import { defaultStyleGAN2Config } from '../../src/networks/stylegan2/config.js';
import type { StyleGAN2Config } from '../../src/networks/stylegan2/config.js';
import { Stylegan2Trainer } from '../../src/training/trainer-stylegan2.js';
import { stylegan2Preset, type Stylegan2HyperParams } from '../../src/training/stylegan2-presets.js';
import { AdaptiveAugment, DEFAULT_AUGMENT, type AugmentOptions } from '../../src/training/augment/ada.js';
import { decodeNetworkSnapshot, encodeSnapshot } from '../../src/io/snapshot.js';

before(setup);

test('ADA: p += sign(r_t - target) * batch * interval / (kimg * 1000) every interval steps; floor 0; fixed/noaug keep p', () => {
  const a = new AdaptiveAugment({ ...DEFAULT_AUGMENT, mode: 'ada', target: 0.6 });
  const step = (k: number, logits: number[]) => { a.reportReal(logits); a.afterStep(k, 8); };
  step(1, [1, 1, 1, -1]); step(2, [1, 1, 1, 1]); step(3, [1, -1, 1, 1]);
  assert.equal(a.p, 0, 'no adjustment before the 4th step');
  step(4, [1, 1, 1, 1]); // r_t = 12/16 > 0.6
  assert.equal(a.p, 8 * 4 / 500000);
  for (let k = 5; k <= 8; k++) step(k, [-1, -1, 1, 1]); // r_t = 0 < 0.6
  assert.equal(a.p, 0);
  for (let k = 9; k <= 12; k++) step(k, [-1, -1, -1, -1]);
  assert.equal(a.p, 0, 'p never goes below 0');
  assert.equal(a.takeTickRt(), (12 + 0 - 16) / 48, 'tick r_t is the mean sign since the last read');
  assert.equal(a.takeTickRt(), null);
  const fixed = new AdaptiveAugment({ ...DEFAULT_AUGMENT, mode: 'fixed', p: 0.3 });
  for (let k = 1; k <= 8; k++) { fixed.reportReal([1, 1]); fixed.afterStep(k, 8); }
  assert.equal(fixed.p, 0.3);
  assert.ok(fixed.active && !new AdaptiveAugment(DEFAULT_AUGMENT).active);
});

const cfg: StyleGAN2Config = defaultStyleGAN2Config({
  zDim: 8, wDim: 8, imgResolution: 8,
  mapping: { numLayers: 2 },
  synthesis: { channelBase: 32, channelMax: 8, convClamp: 256 },
  discriminator: { channelBase: 32, channelMax: 8, mbstdGroupSize: 2 },
});
// target -2: r_t > target always, so p grows by 4 * 2 / 500000 every 2 steps.
const aug: AugmentOptions = { ...DEFAULT_AUGMENT, mode: 'ada', pipe: 'bgc', target: -2, interval: 2 };
const hyper = (over: Partial<Stylegan2HyperParams> = {}): Stylegan2HyperParams => ({
  ...stylegan2Preset('cpu', 8).hyper, plWeight: 2, batch: 4, seed: 5, gRegInterval: 2, dRegInterval: 3, augment: aug, ...over,
});

test('stylegan2 + ADA (bgc): no leaked tensors, p moves every interval, r_t measured', () => {
  const tr = new Stylegan2Trainer(cfg, hyper(), tinyData(cfg.imgResolution, 6));
  tr.trainStep();
  const base = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const s = tr.trainStep();
    assert.equal(tf.memory().numTensors, base, `tensors after step ${tr.step}`);
    for (const [k, v] of Object.entries(s)) assert.ok(Number.isFinite(v), `step ${tr.step}: ${k} = ${v}`);
  }
  assert.equal(tr.augment.p, 2 * (4 * 2 / 500000));
  const rt = tr.augment.takeTickRt();
  assert.ok(rt !== null && rt >= -1 && rt <= 1);
  tr.dispose();
});

test('stylegan2 + ADA exact resume: 3 + 3 steps through a snapshot equal 6 straight (p, signs, RNG, weights)', () => {
  const data = tinyData(cfg.imgResolution, 6);
  const straight = new Stylegan2Trainer(cfg, hyper(), data);
  for (let i = 0; i < 6; i++) straight.trainStep();
  const first = new Stylegan2Trainer(cfg, hyper(), data);
  for (let i = 0; i < 3; i++) first.trainStep();
  const s = decodeNetworkSnapshot(encodeSnapshot(first.toSnapshot()), 'mid.safetensors');
  first.dispose();
  const resumed = new Stylegan2Trainer(s.config as StyleGAN2Config, hyper({ seed: 99 }), data);
  resumed.loadSnapshot(s, 'mid.safetensors');
  for (let i = 0; i < 3; i++) resumed.trainStep();
  assert.equal(resumed.augment.p, straight.augment.p);
  assert.ok(straight.augment.p > 0);
  assert.deepEqual(resumed.augment.state(), straight.augment.state());
  assert.deepEqual(resumed.rng.getState(), straight.rng.getState());
  const raw = (tr: Stylegan2Trainer) => ({ G: tr.G.store.toRaw(), D: tr.D.store.toRaw(), optD: tr.optD.toRaw() });
  assertSameBits(raw(resumed), raw(straight));
  resumed.dispose();
  straight.dispose();
});

test('conditional stylegan2 + ADA: labels for reals and fakes, no leaked tensors, freezed D layers untouched', () => {
  const ccfg = defaultStyleGAN2Config({ ...cfg, cDim: 3, mapping: { numLayers: 2 }, synthesis: cfg.synthesis, discriminator: { channelBase: 32, channelMax: 8, mbstdGroupSize: 2 } });
  const data = { ...tinyData(8, 6), labels: { dim: 3, batch: (idx: number[]) => Float32Array.from(idx.flatMap((i) => [0, 1, 2].map((k) => (k === i % 3 ? 1 : 0)))) } };
  const tr = new Stylegan2Trainer(ccfg, hyper({ freezeD: 2, gRegInterval: 2, dRegInterval: 2 }), data);
  const before8 = tr.D.store.vars.get('b8.fromrgb.weight')!.dataSync().slice();
  tr.trainStep();
  const base = tf.memory().numTensors;
  for (let i = 0; i < 2; i++) {
    tr.trainStep();
    assert.equal(tf.memory().numTensors, base, `tensors after step ${tr.step}`);
  }
  assert.deepEqual(tr.D.store.vars.get('b8.fromrgb.weight')!.dataSync(), before8, 'frozen layer 0 changed');
  assert.ok(tr.D.store.vars.get('b8.conv1.weight') !== undefined);
  tr.dispose();
});
