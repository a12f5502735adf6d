/**
 * Training on the webgpu backend (Dawn on SwiftShader here): one StyleGAN2 step with all four
 * phases (Gmain, Greg = path length, Dmain, Dreg = R1: gradients of gradients) gives the losses,
 * penalties and parameter updates of the CPU reference (relative 1e-3), with no leaked tensors,
 * running the fused ops (bias_act, upfirdn2d, their gradients, Adam) as the WGSL kernels.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, tinyData } from '../helpers.js';
import { referenceBackend, use } from './swiftshader.js';
import { defaultStyleGAN2Config, type StyleGAN2Config } from '../../src/networks/stylegan2/config.js';
import { Stylegan2Trainer, phasesAt } from '../../src/training/trainer-stylegan2.js';
import { stylegan2Preset, type Stylegan2HyperParams } from '../../src/training/stylegan2-presets.js';
import type { BackendName } from '../../src/backend/node.js';
import { FUSED } from '../../src/ops/fused.js';

const cfg: StyleGAN2Config = defaultStyleGAN2Config({
  zDim: 8, wDim: 8, imgResolution: 8,
  mapping: { numLayers: 2 },
  synthesis: { channelBase: 32, channelMax: 8, convClamp: 256 },
  discriminator: { channelBase: 32, channelMax: 8, mbstdGroupSize: 2 },
});
const hyper: Stylegan2HyperParams = { ...stylegan2Preset('cpu', 8).hyper, plWeight: 2, batch: 4, seed: 5, gRegInterval: 2, dRegInterval: 2 };

let ref: BackendName;
before(async () => {
  await setup();
  ref = await referenceBackend();
  await use('webgpu');
});

interface StepResult { stats: number[]; updates: Map<string, Float32Array>; kernels: Map<string, number> }

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

/** One step from the same seeded init; the update of every G and D parameter. */
async function oneStep(backend: BackendName): Promise<StepResult> {
  await use(backend);
  const tr = new Stylegan2Trainer(cfg, hyper, tinyData(8, 6));
  const params = () => [...tr.G.store.vars, ...tr.D.store.vars].map(([k, v]) => [k, v] as const);
  const before = new Map<string, Float32Array>();
  for (const [k, v] of params()) before.set(k, (await v.data()) as Float32Array);
  const numTensors = tf.memory().numTensors;
  const [s, kernels] = await countKernels(() => tr.trainStepAsync());
  assert.equal(tf.memory().numTensors, numTensors, `${backend}: the step leaked tensors`);
  const updates = new Map<string, Float32Array>();
  for (const [k, v] of params()) {
    const after = (await v.data()) as Float32Array, b = before.get(k)!;
    updates.set(k, after.map((x, i) => x - b[i]));
  }
  const stats = [s.lossG, s.lossD, s.penalty, tr.lastPl, tr.plMean];
  tr.dispose();
  return { stats, updates, kernels };
}

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-6);

test('a StyleGAN2 step (G, path length, D, R1) on webgpu matches the CPU: losses, penalties, parameter updates', async () => {
  assert.deepEqual(phasesAt(0, hyper), { greg: true, dreg: true });
  const want = await oneStep(ref);
  const got = await oneStep('webgpu');
  // The webgpu step ran the WGSL kernels (runKernel of a name the backend lacks would have thrown).
  const fused = [FUSED.biasAct, FUSED.biasActGrad, FUSED.upfirdn2d, FUSED.adam];
  console.log(`# webgpu step: ${fused.map((k) => `${k} x${got.kernels.get(k) ?? 0}`).join(', ')}`);
  for (const k of fused) assert.ok((got.kernels.get(k) ?? 0) > 0, `the webgpu step never ran ${k}`);
  const names = ['lossG', 'lossD', 'R1', 'path length penalty', 'pl_mean'];
  want.stats.forEach((w, i) => {
    assert.ok(Number.isFinite(w) && w !== 0, `${names[i]} on ${ref} is ${w}`);
    console.log(`# ${names[i]}: webgpu ${got.stats[i]} vs ${ref} ${w}`);
    assert.ok(close(got.stats[i], w, 1e-3), `${names[i]}: webgpu ${got.stats[i]} vs ${ref} ${w}`);
  });
  // Updates as vectors per parameter (Adam's first steps are ~lr * sign(g): single elements with
  // g near 0 may flip, so the whole update is compared).
  let moved = 0, worstRel = 0;
  for (const [k, w] of want.updates) {
    const g = got.updates.get(k)!;
    let num = 0, den = 0;
    for (let i = 0; i < w.length; i++) { num += (g[i] - w[i]) ** 2; den += w[i] ** 2; }
    if (den > 0) moved++;
    if (den > 0) worstRel = Math.max(worstRel, Math.sqrt(num / den));
    assert.ok(Math.sqrt(num) <= 1e-3 * Math.sqrt(den) + 1e-12, `${k}: update differs by ${Math.sqrt(num / Math.max(den, 1e-30))} (relative)`);
  }
  console.log(`# parameter updates: worst relative difference ${worstRel.toExponential(2)} over ${moved} moved parameters`);
  assert.ok(moved > want.updates.size / 2, `only ${moved} of ${want.updates.size} parameters moved`);
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
