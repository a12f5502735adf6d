/**
 * StyleGAN3's equivariance metrics (metrics/equivariance.py): the image operators against closed
 * forms, a known answer (Fourier features sampled on the output grid are exactly equivariant to
 * integer translation, and nearly so to fractional ones), a generator that ignores its
 * transform scoring low, and the metrics through the runner on the t32 fixture.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { setup } from '../helpers.js';
import { applyFractionalTranslation, applyIntegerTranslation, computeEquivariance, transformableGenerator, type Images } from '../../src/metrics/equivariance.js';
import { fourierNet } from './fourier-net.js';
import { RandomState } from '../../src/sampling/rng.js';
import { importStyleGAN3 } from '../../src/io/import-stylegan3.js';
import { StyleGAN3Generator } from '../../src/networks/stylegan3/generator.js';
import { MetricsRunner } from '../../src/metrics/run.js';
import { METRICS } from '../../src/metrics/registry.js';
import { StyleGAN2Generator } from '../../src/networks/stylegan2/generator.js';
import { defaultStyleGAN2Config } from '../../src/networks/stylegan2/config.js';

before(setup);

const ramp = (): Images => {
  const data = new Float32Array(2 * 8 * 8 * 1);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37);
  return { data, shape: [2, 8, 8, 1] };
};

test('integer translation moves pixels and masks what came in; fractional with an integer shift is the same inside its mask', () => {
  const x = ramp();
  const { z, m } = applyIntegerTranslation(x, 2 / 8, -1 / 8);
  for (let Y = 0; Y < 8; Y++) for (let X = 0; X < 8; X++) {
    const inside = X >= 2 && Y < 7;
    assert.equal(m[(8 + Y) * 8 + X], inside ? 1 : 0);
    assert.equal(z[(8 + Y) * 8 + X], inside ? x.data[(8 + Y + 1) * 8 + X - 2] : 0);
  }
  const f = applyFractionalTranslation(x, 2 / 8, -1 / 8);
  let n = 0;
  for (let i = 0; i < x.data.length; i++) if (f.m[i]) { n++; assert.ok(Math.abs(f.z[i] - z[i]) < 1e-6); assert.equal(m[i], 1); }
  assert.ok(n > 0);
  // Half a pixel: the symmetric 6-tap filter interpolates a linear ramp exactly.
  const lin: Images = { data: Float32Array.from({ length: 64 }, (_, i) => i % 8), shape: [1, 8, 8, 1] };
  const h = applyFractionalTranslation(lin, 0.5 / 8, 0);
  for (let i = 0; i < 64; i++) if (h.m[i]) assert.ok(Math.abs(h.z[i] - ((i % 8) - 0.5)) < 1e-5, `pixel ${i}: ${h.z[i]}`);
});

test('known answer: Fourier features are exactly equivariant to integer translation (huge PSNR) and nearly to fractional', async () => {
  const G = fourierNet();
  const r = await computeEquivariance(G, { num: 6, batch: 3, kinds: ['int', 'frac'], rng: new RandomState(1) });
  assert.ok(r.int > 100, `EQ-T ${r.int} dB`); // float32 rounding only
  assert.ok(r.frac > 35 && r.frac < r.int, `EQ-T_frac ${r.frac} dB`); // Lanczos-3 interpolation error on band-limited sinusoids
  assert.deepEqual(Array.from(G.transform.dataSync()), [1, 0, 0, 0, 1, 0, 0, 0, 1], 'the transform is restored');
  const bad = fourierNet(true);
  const b = await computeEquivariance(bad, { num: 6, batch: 3, kinds: ['int', 'frac'], rng: new RandomState(1) });
  assert.ok(b.int < 25 && b.frac < 25, `a generator that ignores the transform: ${b.int}, ${b.frac} dB`);
  G.dispose();
  bad.dispose();
});

test('eqt50k_int / eqt50k_frac through the metrics runner on the t32 fixture; StyleGAN2 networks are refused', async () => {
  const imp = importStyleGAN3(Uint8Array.from(readFileSync(new URL('../fixtures/stylegan3-tiny/t32/network.pkl', import.meta.url))), 't32');
  const G = new StyleGAN3Generator(imp.config);
  G.store.loadRaw(imp.G_ema, 'G_ema');
  const runner = new MetricsRunner({ G, resolution: 32, num: 8, batch: 4, seed: 0 } as ConstructorParameters<typeof MetricsRunner>[0]);
  const a = await runner.run(METRICS.eqt50k_int), b = await runner.run(METRICS.eqt50k_frac);
  // A StyleGAN3-T with random weights is already close to equivariant (about 64-66 dB on 8 samples here),
  // but not exactly (not the > 100 dB of pure Fourier features).
  for (const v of [a.results.eqt50k_int, b.results.eqt50k_frac]) assert.ok(v > 40 && v < 90, `EQ-T ${a.results.eqt50k_int}, EQ-T_frac ${b.results.eqt50k_frac}`);
  G.dispose();
  const G2 = new StyleGAN2Generator(defaultStyleGAN2Config({ zDim: 4, wDim: 4, imgResolution: 8, synthesis: { channelBase: 16, channelMax: 4 } }));
  await assert.rejects(new MetricsRunner({ G: G2, resolution: 8, num: 2, seed: 0 } as ConstructorParameters<typeof MetricsRunner>[0]).run(METRICS.eqt50k_int), /need a StyleGAN3 network \(this one is 'stylegan2'\)/);
  G2.dispose();
});
