/**
 * The stylegan3 trainer (NVlabs/stylegan3 training_loop.py + StyleGAN2Loss as train.py sets it
 * for stylegan3-t/-r): presets, the D-input blur (closed form) and its fade, the EMAs updated by
 * the fake pass, no leaked tensors, and an exact resume through a snapshot (T and R).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, tinyData, assertSameBits } from '../helpers.js';
import { defaultStyleGAN3Config, type StyleGAN3Config } from '../../src/networks/stylegan3/config.js';
import { Stylegan3Trainer, blurImages, blurSigmaAt } from '../../src/training/trainer-stylegan3.js';
import { defaultGamma3, stylegan3Preset, type Stylegan3HyperParams } from '../../src/training/stylegan3-presets.js';
import type { RawTensor } from '../../src/networks/params.js';
import { decodeNetworkSnapshot, encodeSnapshot } from '../../src/io/snapshot.js';

before(setup);

/** 8 px, 4 layers (2 critical), at most 8 channels, 8-d latents; mbstd groups of 2. */
function tinyCfg(r = false): StyleGAN3Config {
  return defaultStyleGAN3Config({
    zDim: 8, wDim: 8, imgResolution: 8,
    synthesis: { channelBase: 64, channelMax: 8, numLayers: 4, convKernel: r ? 1 : 3, useRadialFilters: r, magnitudeEmaBeta: 0.9 },
    discriminator: { channelBase: 32, channelMax: 8, mbstdGroupSize: 2 },
  });
}

const hyper = (over: Partial<Stylegan3HyperParams> = {}): Stylegan3HyperParams => ({
  ...stylegan3Preset('stylegan3-t-cpu', 8, 4).hyper, seed: 5, dRegInterval: 2, r1Gamma: 1, ...over,
});

function raw(tr: Stylegan3Trainer): Record<string, Record<string, RawTensor>> {
  return { G: tr.G.store.toRaw(), G_ema: tr.Gema.store.toRaw(), D: tr.D.store.toRaw(), optG: tr.optG.toRaw(), optD: tr.optD.toRaw() };
}

test('presets: train.py settings for T and R, cpu variants, gamma from NVIDIA\'s table', () => {
  const t = stylegan3Preset('stylegan3-t', 256);
  assert.deepEqual([t.hyper.lrG, t.hyper.lrD, t.hyper.batch, t.hyper.emaKimg, t.hyper.dRegInterval, t.hyper.blurInitSigma], [0.0025, 0.002, 32, 10, 16, 0]);
  assert.equal(t.config.mapping.numLayers, 2);
  assert.equal(t.config.synthesis.magnitudeEmaBeta, 0.5 ** (32 / 20000));
  const r = stylegan3Preset('stylegan3-r', 512);
  assert.deepEqual([r.config.synthesis.channelBase, r.config.synthesis.channelMax, r.config.synthesis.convKernel, r.config.synthesis.useRadialFilters], [65536, 1024, 1, true]);
  assert.deepEqual([r.config.discriminator.channelBase, r.config.discriminator.channelMax], [32768, 512]);
  assert.deepEqual([r.hyper.blurInitSigma, r.hyper.blurFadeKimg], [10, 200]);
  assert.deepEqual([defaultGamma3(128), defaultGamma3(256), defaultGamma3(512), defaultGamma3(1024)], [0.5, 2, 8, 32]);
  const c = stylegan3Preset('stylegan3-r-cpu', 32);
  assert.deepEqual([c.hyper.batch, c.config.zDim, c.config.synthesis.channelMax, c.hyper.blurFadeKimg], [16, 128, 128, 100]);
});

test('D-input blur: a delta becomes the normalised Gaussian 2^-(x/sigma)^2 outer product; sigma fades linearly', () => {
  const sigma = 1.5, size = Math.floor(3 * sigma);
  const x = tf.buffer([1, 11, 11, 1]);
  x.set(1, 0, 5, 5, 0);
  const y = blurImages(x.toTensor() as tf.Tensor4D, sigma).dataSync();
  const taps = Array.from({ length: 2 * size + 1 }, (_, i) => 2 ** -(((i - size) / sigma) ** 2));
  const s = taps.reduce((a, b) => a + b);
  for (let i = -size; i <= size; i++) for (let j = -size; j <= size; j++) {
    assert.ok(Math.abs(y[(5 + i) * 11 + 5 + j] - (taps[i + size] * taps[j + size]) / (s * s)) < 1e-7);
  }
  const h = { blurInitSigma: 10, blurFadeKimg: 100 };
  assert.deepEqual([blurSigmaAt(0, h), blurSigmaAt(50_000, h), blurSigmaAt(100_000, h), blurSigmaAt(200_000, h)], [10, 5, 0, 0]);
  assert.equal(blurSigmaAt(0, { blurInitSigma: 10, blurFadeKimg: 0 }), 0);
});

for (const r of [false, true]) {
  const cfg = tinyCfg(r), name = r ? 'R (blurred D inputs)' : 'T';

  test(`stylegan3 ${name}: steps leak no tensors, losses are finite, the fake pass moves w_avg and the magnitude EMAs`, () => {
    const tr = new Stylegan3Trainer(cfg, hyper(r ? { blurInitSigma: 2, blurFadeKimg: 1 } : {}), tinyData(8, 6));
    const ema0 = tr.G.synthesis.layers[1].magnitudeEma.dataSync()[0];
    tr.trainStep(); // warm-up, with R1
    const base = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const s = tr.trainStep();
      assert.equal(tf.memory().numTensors, base, `tensors after step ${tr.step}`);
      for (const [k, v] of Object.entries({ ...s, ...s.extra })) if (k !== 'extra') assert.ok(Number.isFinite(v as number), `step ${tr.step}: ${k} = ${v}`);
      if (r) assert.ok((s.extra?.blurSigma ?? 0) > 0);
    }
    assert.equal(tr.nimg, 16);
    assert.notEqual(tr.G.synthesis.layers[1].magnitudeEma.dataSync()[0], ema0);
    assert.ok(tr.G.wAvg.dataSync().some((v) => v !== 0));
    assert.ok(tr.lastR1 > 0);
    assert.deepEqual(tr.Gema.synthesis.layers[1].magnitudeEma.dataSync(), tr.G.synthesis.layers[1].magnitudeEma.dataSync(), 'buffers copied to G_ema');
    tr.dispose();
  });

  test(`stylegan3 ${name}: exact resume, 2 + 2 steps through encode/decodeSnapshot equal 4 straight, bit for bit`, () => {
    const data = tinyData(8, 6);
    const h = hyper(r ? { blurInitSigma: 2, blurFadeKimg: 1 } : {});
    const straight = new Stylegan3Trainer(cfg, h, data);
    for (let i = 0; i < 4; i++) straight.trainStep();
    const first = new Stylegan3Trainer(cfg, h, data);
    for (let i = 0; i < 2; i++) first.trainStep();
    const bytes = encodeSnapshot(first.toSnapshot());
    first.dispose();
    const s = decodeNetworkSnapshot(bytes, 'mid.safetensors');
    assert.equal(s.config.arch, 'stylegan3');
    const resumed = new Stylegan3Trainer(s.config as StyleGAN3Config, { ...h, seed: 99 }, data);
    resumed.loadSnapshot(s, 'mid.safetensors');
    for (let i = 0; i < 2; i++) resumed.trainStep();
    assert.equal(resumed.step, 4);
    assert.equal(resumed.nimg, straight.nimg);
    assert.deepEqual(resumed.rng.getState(), straight.rng.getState());
    assertSameBits(raw(resumed), raw(straight));
    assert.notDeepEqual(raw(straight).G, raw(straight).G_ema, 'G_ema is an average, not a copy');
    resumed.dispose();
    straight.dispose();
  });
}

test('stylegan3 --cond with ADA: G embeds c, D projects it, labels change both; D sees augmented inputs (r_t, p move); no leaks', () => {
  const cDim = 3;
  const base = tinyCfg();
  const cfg: StyleGAN3Config = { ...base, cDim, discriminator: { ...base.discriminator, cmapDim: 8 } };
  const data = tinyData(8, 6);
  const labels = new Float32Array(6 * cDim);
  for (let i = 0; i < 6; i++) labels[i * cDim + (i % cDim)] = 1;
  const withLabels = { ...data, labels: { dim: cDim, batch: (idx: number[]) => Float32Array.from(idx.flatMap((k) => Array.from(labels.subarray(k * cDim, (k + 1) * cDim)))) } };
  const augment = { mode: 'ada' as const, pipe: 'bgc' as const, p: 0, target: 0.6, interval: 1, kimg: 0.01 };
  const tr = new Stylegan3Trainer(cfg, hyper({ augment }), withLabels);
  assert.ok(Object.keys(tr.G.store.toRaw()).some((k) => k.includes('embed')), 'G has a label embedding');
  assert.ok(Object.keys(tr.D.store.toRaw()).some((k) => k.startsWith('mapping')), 'D has a label mapping');
  tr.trainStep();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) tr.trainStep();
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  assert.ok(tr.augment.takeTickRt() !== null, 'D reported its real logits');
  assert.ok(tr.augment.p > 0, `ADA moved p (${tr.augment.p})`);
  // The labels reach G (through the mapping) and D (through the projection).
  const z = tf.tensor2d(Float32Array.from({ length: 2 * 8 }, (_, i) => Math.sin(i)), [2, 8]);
  const c0 = tf.tensor2d([1, 0, 0, 1, 0, 0], [2, 3]), c1 = tf.tensor2d([0, 0, 1, 0, 0, 1], [2, 3]);
  const [g0, g1] = [c0, c1].map((c) => tr.emaImages(z, c));
  assert.ok(tf.max(tf.abs(tf.sub(g0, g1))).dataSync()[0] > 1e-4, 'the class changes the image');
  const [d0, d1] = [c0, c1].map((c) => tr.D.forward(g0, c));
  assert.ok(tf.max(tf.abs(tf.sub(d0, d1))).dataSync()[0] > 1e-6, 'the class changes D\'s logits');
  tf.dispose([z, c0, c1, g0, g1, d0, d1]);
  tr.dispose();
});
