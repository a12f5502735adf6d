/**
 * EQ-R (eqr50k, metrics/equivariance.py): the band-limit filters, rotation and pseudo-rotation
 * against NVIDIA's own operators on a random image (test/fixtures/equivariance, written by
 * scripts/check-equivariance-nvidia.py --operators), a closed form (the filter of the identity
 * passes a constant image unchanged inside the mask), the known answer (pure Fourier features
 * score high, a generator that ignores its transform low), and the metric on the t32 fixture.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { setup } from '../helpers.js';
import { parseNpy } from '../../src/io/npy.js';
import { affineBandlimitFilter, applyFractionalPseudoRotation, applyFractionalRotation, rotationMatrix } from '../../src/metrics/equivariance-rotation.js';
import { computeEquivariance, type Images } from '../../src/metrics/equivariance.js';
import { fourierNet } from './fourier-net.js';
import { RandomState } from '../../src/sampling/rng.js';
import { importStyleGAN3 } from '../../src/io/import-stylegan3.js';
import { StyleGAN3Generator } from '../../src/networks/stylegan3/generator.js';
import { MetricsRunner } from '../../src/metrics/run.js';
import { METRICS } from '../../src/metrics/registry.js';

before(setup);

const fx = (name: string) => parseNpy(Uint8Array.from(readFileSync(new URL(`../fixtures/equivariance/${name}.npy`, import.meta.url))), name);
/** NCHW fixture -> NHWC. */
function nhwc(name: string): Images {
  const a = fx(name), [n, c, h, w] = a.shape, d = a.data as Float32Array, out = new Float32Array(d.length);
  for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + k] = d[((b * c + k) * h + y) * w + x];
  return { data: out, shape: [n, h, w, c] };
}
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const ANGLE = 0.7;

test('band-limit filters equal NVIDIA\'s (up 4 for the rotation, up 1 for the pseudo-rotation)', () => {
  const f4 = affineBandlimitFilter(rotationMatrix(ANGLE), { a: 3, amax: 6, up: 4 }), r4 = fx('filter_up4');
  assert.deepEqual([f4.size, f4.size], r4.shape);
  assert.ok(maxAbsDiff(f4.f, r4.data as Float32Array) < 2e-7, `up 4: ${maxAbsDiff(f4.f, r4.data as Float32Array)}`);
  const f1 = affineBandlimitFilter(rotationMatrix(-ANGLE), { a: 3, amax: 6, up: 1 }), r1 = fx('filter_up1');
  assert.deepEqual([f1.size, f1.size], r1.shape);
  assert.ok(maxAbsDiff(f1.f, r1.data as Float32Array) < 2e-7, `up 1: ${maxAbsDiff(f1.f, r1.data as Float32Array)}`);
});

test('rotation and pseudo-rotation of a random image equal NVIDIA\'s, masks included', () => {
  const x = nhwc('x');
  for (const [ours, z, m] of [[applyFractionalRotation(x, ANGLE), 'rot_z', 'rot_m'], [applyFractionalPseudoRotation(x, ANGLE), 'pseudo_z', 'pseudo_m']] as const) {
    const rz = nhwc(z), rm = nhwc(m);
    assert.ok(maxAbsDiff(ours.z, rz.data) < 2e-5, `${z}: ${maxAbsDiff(ours.z, rz.data)}`);
    assert.deepEqual(Array.from(ours.m), Array.from(rm.data), m);
    const inside = rm.data.reduce((p, v) => p + v, 0);
    assert.ok(inside > 0 && inside < rm.data.length, `${m}: ${inside} of ${rm.data.length} pixels`);
  }
});

test('closed form: the identity\'s filter passes a constant image unchanged inside its mask', () => {
  const x: Images = { data: new Float32Array(16 * 16 * 2).fill(0.75), shape: [1, 16, 16, 2] };
  for (const r of [applyFractionalRotation(x, 0), applyFractionalPseudoRotation(x, 0)]) {
    let n = 0;
    for (let i = 0; i < r.z.length; i++) if (r.m[i]) { n++; assert.ok(Math.abs(r.z[i] - 0.75) < 1e-6, `pixel ${i}: ${r.z[i]}`); }
    assert.ok(n > 0);
  }
});

test('known answer: Fourier features are rotation-equivariant (high EQ-R), a transform-ignoring generator is not', async () => {
  const G = fourierNet(), bad = fourierNet(true);
  const good = await computeEquivariance(G, { num: 6, batch: 2, kinds: ['rot'], rng: new RandomState(1) });
  const worse = await computeEquivariance(bad, { num: 6, batch: 2, kinds: ['rot'], rng: new RandomState(1) });
  assert.ok(good.rot > 40, `EQ-R ${good.rot} dB`);
  assert.ok(worse.rot < 25, `transform ignored: EQ-R ${worse.rot} dB`);
  assert.deepEqual(Array.from(G.transform.dataSync()), [1, 0, 0, 0, 1, 0, 0, 0, 1], 'the transform is restored');
  G.dispose();
  bad.dispose();
});

test('eqr50k through the metrics runner on the r32 fixture, no leaked tensors', async () => {
  const imp = importStyleGAN3(Uint8Array.from(readFileSync(new URL('../fixtures/stylegan3-tiny/r32/network.pkl', import.meta.url))), 'r32');
  const G = new StyleGAN3Generator(imp.config);
  G.store.loadRaw(imp.G_ema, 'G_ema');
  const runner = new MetricsRunner({ G, resolution: 32, num: 8, seed: 0 } as ConstructorParameters<typeof MetricsRunner>[0]);
  const before = tf.memory().numTensors;
  const r = await runner.run(METRICS.eqr50k);
  assert.equal(tf.memory().numTensors, before);
  assert.ok(r.results.eqr50k > 10 && r.results.eqr50k < 80, `EQ-R ${r.results.eqr50k}`);
  G.dispose();
});
