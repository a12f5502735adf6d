/**
 * Where a training step of the main job goes (docs/main-job.md): the default's trainer (StyleGAN2
 * cfg cpu, batch 32, ADA 'bgc') timed over 32 steps, then tf.profile over 16 steps, kernel time
 * per step by kernel (PROF=1) or by kernel and input shapes (PROF=shape).
 *   [PROF=1|shape] [AUGMODE=fixed AUGP=0.1] [GCB=512 DCB=512] node --import tsx bench/main-job-profile.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../src/backend/node.js';
import { loadDataset } from '../src/data/dataset.js';
import { stylegan2Preset } from '../src/training/stylegan2-presets.js';
import { Stylegan2Trainer } from '../src/training/trainer-stylegan2.js';
import { DEFAULT_AUGMENT, type AugmentOptions } from '../src/training/augment/ada.js';

const env = process.env;
const backend = await initNodeBackend();
const ds = await loadDataset({ resolution: 32, mirror: false });
const data = { numImages: ds.numImages, mirror: false, sample: (i: number[], f: boolean[]) => ds.sampleBatch(i, f) };
const { config, hyper } = stylegan2Preset('cpu', 32);
// AUGMODE=fixed AUGP=p holds ADA's p (the adaptive default starts at 0, where the pipe is skipped).
const augment: AugmentOptions = { ...DEFAULT_AUGMENT, mode: (env.AUGMODE ?? 'ada') as AugmentOptions['mode'], p: Number(env.AUGP ?? 0) };
const gb = Number(env.GCB ?? config.synthesis.channelBase), db = Number(env.DCB ?? config.discriminator.channelBase);
const cfg = { ...config, synthesis: { ...config.synthesis, channelBase: gb }, discriminator: { ...config.discriminator, channelBase: db } };
const t = new Stylegan2Trainer(cfg, { ...hyper, augment }, data);
for (let i = 0; i < 20; i++) t.trainStep(); // warm-up (kernels, buffer pool)
const t0 = performance.now(), steps = 32;
for (let i = 0; i < steps; i++) t.trainStep();
const ms = (performance.now() - t0) / steps;
console.log(`backend ${backend}: ${ms.toFixed(1)} ms a step, ${((1000 * hyper.batch) / ms).toFixed(1)} img/s (batch ${hyper.batch}, ADA ${augment.mode} p ${augment.p})`);
if (env.PROF) {
  const prof = await tf.profile(() => { for (let i = 0; i < 16; i++) t.trainStep(); });
  const byKey = new Map<string, { ms: number; n: number }>();
  let total = 0;
  for (const k of prof.kernels) {
    const kms = await k.kernelTimeMs;
    const ms1 = typeof kms === 'number' ? kms : 0;
    const key = env.PROF === 'shape' ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
    const a = byKey.get(key) ?? { ms: 0, n: 0 };
    a.ms += ms1;
    a.n++;
    total += ms1;
    byKey.set(key, a);
  }
  console.log(`${prof.kernels.length} kernels in 16 steps, ${(total / 16).toFixed(1)} ms of kernel time a step`);
  for (const [k, a] of [...byKey].sort((x, y) => y[1].ms - x[1].ms).slice(0, Number(env.TOP ?? 30))) {
    console.log(`${(a.ms / 16).toFixed(2).padStart(8)} ms ${(a.n / 16).toFixed(2).padStart(7)} calls a step  ${k}`);
  }
}
t.dispose();
