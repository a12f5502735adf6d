/**
 * Trainer pieces against closed forms (style mixing, truncation, growth schedule, Adam), and
 * the training step's contracts: no leaked tensors, finite losses, determinism from the seed,
 * and an exact resume through a serialized snapshot.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, tinyConfig, testRandom, tinyData, assertSameBits } from '../helpers.js';
import { mixStyles } from '../../src/networks/mix-styles.js';
import { truncate } from '../../src/networks/stylegan/generator.js';
import { scheduleAt, activeWs, type GrowthOptions } from '../../src/training/schedule.js';
import { Adam, STYLEGAN_ADAM } from '../../src/training/adam.js';
import { ParamStore, type RawTensor } from '../../src/networks/params.js';
import { Trainer, DEFAULT_HYPER, type TrainHyperParams } from '../../src/training/trainer.js';
import { decodeSnapshot, encodeSnapshot } from '../../src/io/snapshot.js';

before(setup);

const cfg = tinyConfig();

/** Growth from 8 px: 2 steps at 8, a 5-step fade-in to 16 (batch 4 = 0.004 kimg per step). */
const GROWTH: GrowthOptions = { enabled: true, initialResolution: 8, stabilizeKimg: 0.008, transitionKimg: 0.02 };
const hyper = (over: Partial<TrainHyperParams> = {}): TrainHyperParams => ({ ...DEFAULT_HYPER, batch: 4, seed: 5, growth: GROWTH, ...over });

function raw(tr: Trainer): Record<string, Record<string, RawTensor>> {
  return { G: tr.G.store.toRaw(), G_ema: tr.Gema.store.toRaw(), D: tr.D.store.toRaw() };
}

test('mixStyles: styles [0, crossover) from ws1, the rest from ws2; crossover clamped', () => {
  const ws1 = tf.fill([2, 6, 3], 1) as tf.Tensor3D, ws2 = tf.fill([2, 6, 3], 2) as tf.Tensor3D;
  for (const [c, want] of [[0, [2, 2, 2, 2, 2, 2]], [1, [1, 2, 2, 2, 2, 2]], [4, [1, 1, 1, 1, 2, 2]], [6, [1, 1, 1, 1, 1, 1]], [9, [1, 1, 1, 1, 1, 1]]] as const) {
    const m = mixStyles(ws1, ws2, c);
    assert.deepEqual(m.shape, [2, 6, 3]);
    const styles = (m.arraySync() as number[][][])[1].map((row) => row[0]);
    assert.deepEqual(styles, want, `crossover ${c}`);
    m.dispose();
  }
  tf.dispose([ws1, ws2]);
  // 2 styles per block up to the current resolution: 8 at 16 px (mixing picks its crossover below this).
  assert.deepEqual([4, 8, 16, 1024].map(activeWs), [2, 4, 6, 18]);
});

test('truncate: w_avg + psi (w - w_avg) on styles below the cutoff, identity at psi 1', () => {
  const rand = testRandom(3), n = 2, num = 6, d = 4;
  const w = Float32Array.from({ length: n * num * d }, () => rand() * 4 - 2), avg = Float32Array.from({ length: d }, () => rand());
  const ws = tf.tensor3d(w, [n, num, d]), wAvg = tf.tensor1d(avg);
  for (const [psi, cutoff] of [[0.7, 3], [0.5, undefined], [-0.5, 10], [1, 2]] as const) {
    const out = truncate(ws, wAvg, { truncationPsi: psi, truncationCutoff: cutoff });
    const got = out.dataSync();
    out.dispose();
    for (let i = 0; i < got.length; i++) {
      const style = Math.floor(i / d) % num, a = avg[i % d];
      const want = style < (cutoff ?? num) ? a + psi * (w[i] - a) : w[i];
      assert.ok(Math.abs(got[i] - want) < 1e-6, `psi ${psi} cutoff ${cutoff} [${i}]: ${got[i]} vs ${want}`);
    }
  }
  tf.dispose([ws, wAvg]);
});

test('scheduleAt: stabilize, fade in, stabilize per doubling; growth off trains at full resolution', () => {
  const g: GrowthOptions = { enabled: true, initialResolution: 8, stabilizeKimg: 2, transitionKimg: 1 };
  const cases: Array<[number, number, number]> = [
    [0, 8, 1], [1.99, 8, 1], [2, 16, 0], [2.25, 16, 0.25], [2.5, 16, 0.5], [3, 16, 1], [4.99, 16, 1],
    [5, 32, 0], [5.75, 32, 0.75], [6, 32, 1], [1000, 32, 1],
  ];
  for (const [kimg, res, alpha] of cases) {
    const p = scheduleAt(kimg, 32, g);
    assert.equal(p.res, res, `res at ${kimg} kimg`);
    assert.ok(Math.abs(p.alpha - alpha) < 1e-12, `alpha at ${kimg} kimg: ${p.alpha}`);
  }
  assert.deepEqual(scheduleAt(0, 32, { ...g, enabled: false }), { res: 32, alpha: 1 });
  assert.deepEqual(scheduleAt(0, 32, { ...g, initialResolution: 32 }), { res: 32, alpha: 1 });
  // No fade: each doubling is immediate.
  assert.deepEqual(scheduleAt(2, 32, { ...g, transitionKimg: 0 }), { res: 16, alpha: 1 });
});

test('Adam (StyleGAN: beta1 0, beta2 0.99, eps 1e-8): two steps against the closed form, untouched params skipped', () => {
  const store = new ParamStore(testRandom(1));
  const p = store.param('p', [3], { normal: 1 }), q = store.param('q', [2], 'zeros');
  const p0 = Float32Array.from(p.dataSync());
  const lr = 0.01, opt = new Adam(store, { lr, ...STYLEGAN_ADAM });
  const g1 = [0.5, -2, 1e-3], g2 = [-1, 0.25, 3];
  const step = (g: number[]) => { const t = tf.tensor1d(g); opt.apply({ [p.name]: t }); t.dispose(); };
  step(g1);
  // beta1 = 0: m = g; v = 0.01 g^2, bias-corrected by 1 - 0.99 -> g^2; so the update is lr * sign(g).
  const p1 = p0.map((x, i) => x - (lr * g1[i]) / (Math.abs(g1[i]) + 1e-8));
  p.dataSync().forEach((x, i) => assert.ok(Math.abs(x - p1[i]) < 1e-6, `step 1 [${i}]`));
  step(g2);
  const c2 = 1 - 0.99 ** 2;
  const p2 = p1.map((x, i) => x - (lr * g2[i]) / (Math.sqrt((0.99 * 0.01 * g1[i] ** 2 + 0.01 * g2[i] ** 2) / c2) + 1e-8));
  p.dataSync().forEach((x, i) => assert.ok(Math.abs(x - p2[i]) < 1e-6, `step 2 [${i}]: ${x} vs ${p2[i]}`));
  assert.deepEqual(Array.from(q.dataSync()), [0, 0]);
  assert.equal(opt.step, 2);
  opt.dispose();
  store.dispose();
});

test('training steps leak no tensors (nsgan-r1 through a fade-in, wgan-gp) and losses are finite', () => {
  for (const loss of ['nsgan-r1', 'wgan-gp'] as const) {
    const tr = new Trainer(cfg, hyper({ loss }), tinyData(cfg.imgResolution, 8));
    tr.trainStep(); // warm-up: anything created once (e.g. cached constants) is made here
    const base = tf.memory().numTensors;
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const { res, alpha } = tr.schedule();
      const s = tr.trainStep();
      seen.add(`${res}@${alpha < 1 ? 'fade' : 'full'}`);
      assert.equal(tf.memory().numTensors, base, `${loss}: tensors after step ${tr.step}`);
      for (const [k, v] of Object.entries(s)) assert.ok(Number.isFinite(v), `${loss} step ${tr.step}: ${k} = ${v}`);
      assert.ok(s.penalty >= 0);
    }
    assert.ok(seen.has('16@fade'), `${loss}: the steps covered a fade-in (${[...seen]})`);
    tr.dispose();
  }
});

test('exact resume: 2 + 2 steps through encode/decodeSnapshot equal 4 steps straight, bit for bit; same seed, same run', () => {
  const data = tinyData(cfg.imgResolution, 8);
  const straight = new Trainer(cfg, hyper(), data);
  for (let i = 0; i < 4; i++) straight.trainStep();

  const first = new Trainer(cfg, hyper(), data);
  for (let i = 0; i < 2; i++) first.trainStep();
  const bytes = encodeSnapshot(first.toSnapshot());
  // Same seed: same run, step for step (a second straight run would only repeat this check).
  const twin = new Trainer(cfg, hyper(), data);
  for (let i = 0; i < 2; i++) twin.trainStep();
  assertSameBits(raw(first), raw(twin));
  const other = new Trainer(cfg, hyper({ seed: 6 }), data);
  assert.notDeepEqual(other.G.store.toRaw()['mapping.fc0.weight'].data, twin.G.store.toRaw()['mapping.fc0.weight'].data);
  first.dispose();
  twin.dispose();
  other.dispose();

  const s = decodeSnapshot(bytes, 'mid.safetensors');
  // Built with another seed on purpose: everything must come from the snapshot.
  const resumed = new Trainer(s.config, hyper({ seed: 99 }), data);
  resumed.loadSnapshot(s, 'mid.safetensors');
  assert.equal(resumed.nimg, 8);
  for (let i = 0; i < 2; i++) resumed.trainStep();
  assert.equal(resumed.nimg, straight.nimg);
  assert.equal(resumed.step, 4);
  assert.deepEqual(resumed.rng.getState(), straight.rng.getState());
  assertSameBits(raw(resumed), raw(straight));
  assert.notDeepEqual(raw(straight).G, raw(straight).G_ema, 'G_ema is an average, not a copy');
  resumed.dispose();
  straight.dispose();
});
