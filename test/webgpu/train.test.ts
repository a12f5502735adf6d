/**
 * Training on the webgpu backend (Dawn on SwiftShader here): a few steps of every family's trainer
 * (StyleGAN2 with all four phases and with ADA, StyleGAN 2019 in a progressive-growing fade with R1, StyleGAN3-T
 * with R1 and its magnitude EMAs, the nine baselines with the WGAN-GP and DRAGAN penalties and
 * BEGAN's k) give the losses, penalties and parameter updates of the CPU reference (relative 1e-3),
 * with no leaked tensors, StyleGAN2 and StyleGAN3 running the fused ops (bias_act, upfirdn2d,
 * filtered_lrelu, their gradients, Adam) as the WGSL kernels; and `train --arch stylegan --backend
 * webgpu` writes its snapshot.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setup, tinyConfig, tinyData } from '../helpers.js';
import { referenceBackend, use, useSwiftShader } from './swiftshader.js';
import { defaultStyleGAN2Config, type StyleGAN2Config } from '../../src/networks/stylegan2/config.js';
import { Stylegan2Trainer, phasesAt } from '../../src/training/trainer-stylegan2.js';
import { stylegan2Preset, type Stylegan2HyperParams } from '../../src/training/stylegan2-presets.js';
import { Trainer, DEFAULT_HYPER } from '../../src/training/trainer.js';
import { defaultStyleGAN3Config } from '../../src/networks/stylegan3/config.js';
import { Stylegan3Trainer } from '../../src/training/trainer-stylegan3.js';
import { stylegan3Preset } from '../../src/training/stylegan3-presets.js';
import { BASELINE_ARCHS, baselineConfig, minResolution } from '../../src/networks/baselines/config.js';
import { BaselineTrainer } from '../../src/training/baselines/trainer.js';
import { BASELINE_HYPER } from '../../src/training/baselines/hyper.js';
import type { StepStats, TrainerLike } from '../../src/training/trainer-base.js';
import type { BackendName } from '../../src/backend/node.js';
import { runCli, TINY_NET } from '../cli/cli.js';
import { FUSED } from '../../src/ops/fused.js';

let ref: BackendName;
before(async () => {
  await setup();
  ref = await referenceBackend();
  await use('webgpu');
});

/** Runs `f` counting the kernels it asks the engine for, by name (every tfjs op goes through runKernel). */
async function countKernels<T>(f: () => Promise<T>): Promise<[T, Map<string, number>]> {
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const counts = new Map<string, number>();
  const orig = engine.runKernel;
  engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return orig.call(this, name, ...rest);
  };
  try {
    return [await f(), counts];
  } finally {
    engine.runKernel = orig;
  }
}

interface Run {
  stats: Record<string, number>;
  /** Kernels the steps ran, by name. */
  kernels: Map<string, number>;
  /** Per parameter ('G.name', 'D.name'): its first update and its gradient as the optimizer holds it then (Adam's m, RMSprop's sqrt(v)). */
  updates: Map<string, Float32Array>;
  grads: Map<string, Float32Array>;
}

/**
 * `steps` steps of a freshly built trainer (same seed, same init) on `backend`: every step's
 * stats (and `more` of the trainer after them); the first step's update of every G and D
 * parameter and its gradient from the optimizer state (Adam's m = (1 - beta1) g; RMSprop's sqrt(v) ~ |g|).
 */
async function train<T extends TrainerLike>(backend: BackendName, make: () => T, steps: number, more: (tr: T) => Promise<Record<string, number>> = async () => ({})): Promise<Run> {
  await use(backend);
  const tr = make();
  const params = () => [...[...tr.G.store.vars].map(([k, v]) => [`G.${k}`, v] as const), ...[...tr.D.store.vars].map(([k, v]) => [`D.${k}`, v] as const)];
  const before = new Map<string, Float32Array>();
  for (const [k, v] of params()) before.set(k, (await v.data()) as Float32Array);
  const stats: Record<string, number> = {};
  const numTensors = tf.memory().numTensors;
  const updates = new Map<string, Float32Array>(), grads = new Map<string, Float32Array>(), kernels = new Map<string, number>();
  for (let i = 0; i < steps; i++) {
    const [s, counts]: [StepStats, Map<string, number>] = await countKernels(() => tr.trainStepAsync());
    for (const [k, n] of counts) kernels.set(k, (kernels.get(k) ?? 0) + n);
    for (const [k, v] of Object.entries({ lossG: s.lossG, lossD: s.lossD, penalty: s.penalty, ...s.extra })) stats[`${k}@${i}`] = v;
    if (i > 0) continue;
    // Updates and gradients of the first step only: a later step's follow from parameters that
    // Adam's sign-like first update moved by +-lr where the gradient was rounding noise.
    for (const [k, v] of params()) {
      const after = (await v.data()) as Float32Array, b = before.get(k)!;
      updates.set(k, after.map((x, j) => x - b[j]));
    }
    await tr.prefetchState();
    const { optG, optD } = tr.toSnapshot().modules;
    for (const [net, opt] of [['G', optG], ['D', optD]] as const) {
      const state = opt ?? {};
      for (const [k, t] of Object.entries(state)) {
        if (k.startsWith('m.')) grads.set(`${net}.${k.slice(2)}`, t.data);
        else if (k.startsWith('v.') && !state[`m.${k.slice(2)}`]) grads.set(`${net}.${k.slice(2)}`, t.data.map(Math.sqrt));
      }
    }
  }
  assert.equal(tf.memory().numTensors, numTensors, `${backend}: ${steps} steps leaked tensors`);
  Object.assign(stats, await more(tr));
  tr.dispose();
  return { stats, kernels, updates, grads };
}

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-6);

/** The run on webgpu against the CPU reference: `nonZero` stats must be non-zero there, all within 1e-3. */
async function compare<T extends TrainerLike>(label: string, make: () => T, steps: number, nonZero: string[], more?: (tr: T) => Promise<Record<string, number>>): Promise<Run> {
  const want = await train(ref, make, steps, more);
  const got = await train('webgpu', make, steps, more);
  for (const k of nonZero) assert.ok(Number.isFinite(want.stats[k]) && want.stats[k] !== 0, `${label}: ${k} on ${ref} is ${want.stats[k]}`);
  let worstStat = 0;
  for (const [k, w] of Object.entries(want.stats)) {
    const g = got.stats[k];
    assert.ok(close(g, w, 1e-3), `${label}: ${k} webgpu ${g} vs ${ref} ${w}`);
    if (w !== 0) worstStat = Math.max(worstStat, Math.abs(g - w) / Math.abs(w));
  }
  // Gradients (the optimizer state) and updates as vectors per parameter. Adam and RMSprop divide
  // by |g|, so where the gradient is rounding noise the update is ~lr * sign(noise) on any backend:
  // parameters whose gradient is 0 in exact arithmetic (a bias right before a normalization: the
  // 2019 G's first bias under instance norm, biases under BatchNorm) show as an RMS gradient below
  // 1e-2 of their net's median and may differ (named in the log, at most 4); and single elements whose
  // gradient is below 1e-3 of their parameter's RMS are left out (the non-zero ones counted: at most 5% of all).
  const rms = (g: Float32Array) => Math.sqrt(g.reduce((m, x) => m + x * x, 0) / g.length);
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const netMedian = (net: string) => median([...want.grads].filter(([k, g]) => k.startsWith(net) && rms(g) > 0).map(([, g]) => rms(g)));
  const medians = { G: netMedian('G.'), D: netMedian('D.') };
  const noiseLike = (k: string) => rms(want.grads.get(k) ?? new Float32Array(1)) < 1e-2 * medians[k[0] as 'G' | 'D'];
  /** Noise-like parameters that differ (excused); every other one must match. */
  const excused = new Set<string>();
  const check = (k: string, ok: boolean, what: string) => {
    if (!ok && noiseLike(k)) excused.add(k);
    else assert.ok(ok, `${label}: ${k}: ${what}`);
  };
  const relDiff = (a: Float32Array, b: Float32Array, keep: (i: number) => boolean = () => true) => {
    let num = 0, den = 0;
    for (let i = 0; i < b.length; i++) if (keep(i)) { num += (a[i] - b[i]) ** 2; den += b[i] ** 2; }
    return { num: Math.sqrt(num), den: Math.sqrt(den) };
  };
  let moved = 0, worstRel = 0, worstGrad = 0, exempt = 0, elements = 0;
  assert.ok(want.grads.size > 0 && want.grads.size === got.grads.size, `${label}: optimizer state of ${want.grads.size} vs ${got.grads.size} parameters`);
  for (const [k, w] of want.grads) {
    const { num, den } = relDiff(got.grads.get(k)!, w), ok = num <= 1e-3 * den + 1e-12;
    check(k, ok, `gradient (optimizer state) differs by ${num / Math.max(den, 1e-30)} (relative)`);
    if (den > 0 && ok && !noiseLike(k)) worstGrad = Math.max(worstGrad, num / den);
  }
  for (const [k, w] of want.updates) {
    const g = got.updates.get(k)!, grad = want.grads.get(k), tiny = grad ? 1e-3 * rms(grad) : 0;
    const keep = (i: number) => !grad || Math.abs(grad[i]) >= tiny;
    for (let i = 0; i < w.length; i++) if (!keep(i) && grad![i] !== 0) exempt++;
    elements += w.length;
    const { num, den } = relDiff(g, w, keep), ok = num <= 1e-3 * den + 1e-12;
    check(k, ok, `update differs by ${num / Math.max(den, 1e-30)} (relative)`);
    if (den > 0) moved++;
    if (den > 0 && ok && !noiseLike(k)) worstRel = Math.max(worstRel, num / den);
  }
  assert.ok(excused.size <= 4, `${label}: ${excused.size} parameters with rounding-noise gradients differ: ${[...excused].join(', ')}`);
  assert.ok(exempt <= 0.05 * elements, `${label}: ${exempt} of ${elements} parameter elements have rounding-noise gradients`);
  console.log(`# ${label}: ${Object.keys(want.stats).length} stats within ${worstStat.toExponential(2)} (${nonZero.map((k) => `${k} ${got.stats[k].toPrecision(6)} vs ${want.stats[k].toPrecision(6)}`).join(', ')}); ` +
    `gradients within ${worstGrad.toExponential(2)}, updates within ${worstRel.toExponential(2)} over ${moved} moved parameters (left out: ${exempt} of ${elements} elements; noise-only gradients that differ: ${[...excused].join(' ') || 'none'})`);
  assert.ok(moved > want.updates.size / 2, `${label}: only ${moved} of ${want.updates.size} parameters moved`);
  return got;
}

/** The webgpu steps ran these WGSL kernels (runKernel of a name the backend lacks would have thrown). */
function assertRan(label: string, got: Run, fused: string[]): void {
  console.log(`# ${label} on webgpu: ${fused.map((k) => `${k} x${got.kernels.get(k) ?? 0}`).join(', ')}`);
  for (const k of fused) assert.ok((got.kernels.get(k) ?? 0) > 0, `${label}: the webgpu step never ran ${k}`);
}

const sg2Cfg: StyleGAN2Config = defaultStyleGAN2Config({
  zDim: 8, wDim: 8, imgResolution: 8,
  mapping: { numLayers: 2 },
  synthesis: { channelBase: 32, channelMax: 8, convClamp: 256 },
  discriminator: { channelBase: 32, channelMax: 8, mbstdGroupSize: 2 },
});
const sg2Hyper: Stylegan2HyperParams = { ...stylegan2Preset('cpu', 8).hyper, plWeight: 2, batch: 4, seed: 5, gRegInterval: 2, dRegInterval: 2 };

test('a StyleGAN2 step (G, path length, D, R1) on webgpu matches the CPU: losses, penalties, parameter updates', async () => {
  assert.deepEqual(phasesAt(0, sg2Hyper), { greg: true, dreg: true });
  const got = await compare('stylegan2', () => new Stylegan2Trainer(sg2Cfg, sg2Hyper, tinyData(8, 6)), 1, ['lossG@0', 'lossD@0', 'penalty@0', 'pl', 'plMean'],
    async (tr) => ({ pl: tr.lastPl, plMean: tr.plMean }));
  assertRan('stylegan2', got, [FUSED.biasAct, FUSED.biasActGrad, FUSED.upfirdn2d, FUSED.adam]);
});

test('a StyleGAN2 step with ADA (bgc at p 0.5: geometric stage gathered on the GPU; R1 through it) on webgpu matches the CPU', async () => {
  const hyper = { ...sg2Hyper, plWeight: 0, augment: { mode: 'fixed' as const, pipe: 'bgc' as const, p: 0.5, target: 0.6, interval: 4, kimg: 500 } };
  const got = await compare('stylegan2 + ADA', () => new Stylegan2Trainer(sg2Cfg, hyper, tinyData(8, 6)), 1, ['lossG@0', 'lossD@0', 'penalty@0']);
  assertRan('stylegan2 + ADA', got, ['GatherV2']);
});

test('StyleGAN 2019 steps (D with R1, G, style mixing) in a progressive-growing fade on webgpu match the CPU', async () => {
  // Growth from 8 px to 16: from 0.008 kimg the network fades in its 16 px block (alpha 0.2 at 0.012).
  const growth = { enabled: true, initialResolution: 8, stabilizeKimg: 0.008, transitionKimg: 0.02 };
  const make = () => {
    const tr = new Trainer(tinyConfig(), { ...DEFAULT_HYPER, batch: 4, seed: 5, growth }, tinyData(16, 6));
    tr.nimg = 12;
    const { res, alpha } = tr.schedule();
    assert.ok(res === 16 && alpha > 0 && alpha < 1, `schedule ${res} px alpha ${alpha}`);
    return tr;
  };
  await compare('stylegan', make, 2, ['lossG@0', 'lossD@0', 'penalty@0', 'lossD@1', 'penalty@1']);
});

test('StyleGAN3-T steps (G, D with the EMAs, R1) on webgpu match the CPU', async () => {
  const cfg = defaultStyleGAN3Config({
    zDim: 8, wDim: 8, imgResolution: 8,
    synthesis: { channelBase: 64, channelMax: 8, numLayers: 4, magnitudeEmaBeta: 0.9 },
    discriminator: { channelBase: 32, channelMax: 8, mbstdGroupSize: 2 },
  });
  const hyper = { ...stylegan3Preset('stylegan3-t-cpu', 8, 4).hyper, seed: 5, dRegInterval: 2, r1Gamma: 1 };
  // The fake pass moves every layer's input magnitude EMA (buffers, not in the updates).
  const emas = async (tr: Stylegan3Trainer) => {
    const out: Record<string, number> = {};
    for (const [k, b] of tr.G.store.buffers) if (k.endsWith('magnitudeEma')) out[k] = (await b.data())[0];
    return out;
  };
  const got = await compare('stylegan3-t', () => new Stylegan3Trainer(cfg, hyper, tinyData(8, 6)), 1, ['lossG@0', 'lossD@0', 'penalty@0'], emas);
  assertRan('stylegan3-t', got, [FUSED.filteredLrelu, FUSED.filteredLreluGrad, FUSED.adam]);
});

test('every baseline\'s steps (WGAN-GP and DRAGAN penalties, BEGAN\'s k, RMSprop with clipping, VAE, AAE) on webgpu match the CPU', async () => {
  for (const arch of BASELINE_ARCHS) {
    const h = BASELINE_HYPER[arch];
    // The MLP networks at 8 px, the DCGAN family at its smallest, 16.
    const res = minResolution(arch) === 16 ? 16 : 8;
    const make = () => new BaselineTrainer(baselineConfig(arch, res), { ...h, batch: 4, seed: 3 }, tinyData(res, 6));
    const nonZero = arch === 'vae' ? ['lossG@0', 'recon@0', 'kl@0'] : ['lossG@0', 'lossD@0'];
    if (h.gpLambda > 0) nonZero.push('penalty@0');
    // BEGAN two steps: the second D loss uses the k the first one read back.
    if (arch === 'began') nonZero.push('k@0', 'lossD@1', 'M@1');
    await compare(arch, make, arch === 'began' ? 2 : 1, nonZero);
  }
});

test('train --arch stylegan --backend webgpu (the 2019 network, growing) runs its ticks and writes a snapshot and fakes grids', async () => {
  useSwiftShader(); // the child inherits VK_ICD_FILENAMES and the CPU-adapter permission
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-webgpu-train-'));
  try {
    const args = [...TINY_NET.slice(0, TINY_NET.indexOf('--backend')), '--backend', 'webgpu'];
    const r = await runCli(['train', ...args, '--outdir', out, '--kimg', '0.008', '--tick', '0.004', '--metrics', 'none'], 600_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /backend webgpu/);
    for (const f of ['fakes-init.png', 'fakes-000000.png', 'stats.jsonl', 'network-snapshot-000000.safetensors']) assert.ok(fs.existsSync(path.join(out, f)), `${f} missing: ${r.stderr}`);
    const ticks = fs.readFileSync(path.join(out, 'stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { lossG: number; lossD: number });
    assert.equal(ticks.length, 2);
    for (const t of ticks) assert.ok(Number.isFinite(t.lossG) && Number.isFinite(t.lossD) && t.lossD !== 0, JSON.stringify(t));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('addN of more inputs than a shader stage may bind (27) sums them all on webgpu', async () => {
  await use('webgpu');
  const ts = Array.from({ length: 27 }, (_, i) => tf.fill([5], i + 1));
  const before = tf.memory().numTensors;
  const s = tf.addN(ts);
  assert.deepEqual(Array.from(await s.data()), Array(5).fill((27 * 28) / 2));
  s.dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose(ts);
});
