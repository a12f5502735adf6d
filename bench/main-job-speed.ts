/**
 * Training speed of main-job variants (docs/main-job.md): StyleGAN2 cfg cpu at 32 px on the
 * emoji set with one change each, timed interleaved (round-robin, 16 steps = one whole lazy
 * regularization cycle per turn) so that load from other processes hits all variants alike.
 *   node --import tsx bench/main-job-speed.ts [rounds=2] [variant,...]
 */
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../src/backend/node.js';
import { loadDataset } from '../src/data/dataset.js';
import { stylegan2Preset, type Stylegan2HyperParams } from '../src/training/stylegan2-presets.js';
import { Stylegan2Trainer } from '../src/training/trainer-stylegan2.js';
import { DEFAULT_AUGMENT } from '../src/training/augment/ada.js';
import type { StyleGAN2Config } from '../src/networks/stylegan2/config.js';

type Change = { hyper?: Partial<Stylegan2HyperParams>; cmax?: number; cbase?: number; gbase?: number; dbase?: number };
// The main job's default since ADA (issue 19): no PL, batch 32, ADA ('bgc', adaptive; p starts at 0).
const MAIN: Partial<Stylegan2HyperParams> = { plWeight: 0, batch: 32, augment: { ...DEFAULT_AUGMENT, mode: 'ada', pipe: 'bgc' } };
const VARIANTS: Record<string, Change> = {
  base: {},
  pl0: { hyper: { plWeight: 0 } },
  mix0: { hyper: { mixing: 0 } },
  'pl0-mix0': { hyper: { plWeight: 0, mixing: 0 } },
  diffaug: { hyper: { diffaug: true } },
  batch8: { hyper: { batch: 8 } },
  batch32: { hyper: { batch: 32 } },
  r1every4: { hyper: { dRegInterval: 4 } },
  cmax128: { cmax: 128, cbase: 2048 },
  'pl0-b32': { hyper: { plWeight: 0, batch: 32 } },
  'pl0-b64': { hyper: { plWeight: 0, batch: 64 } },
  'pl0-noreg': { hyper: { plWeight: 0, dRegInterval: 0 } },
  'pl0-b32-c2048': { hyper: { plWeight: 0, batch: 32 }, cmax: 64, cbase: 2048 },
  'ada-p04': { hyper: { augment: { ...DEFAULT_AUGMENT, mode: 'fixed', pipe: 'bgc', p: 0.4 } } },
  'pl0-b32-mix0': { hyper: { plWeight: 0, batch: 32, mixing: 0 } },
  main: { hyper: MAIN },
  'main-c512': { hyper: MAIN, cmax: 64, cbase: 512 },
  'main-g1024-d512': { hyper: MAIN, gbase: 1024, dbase: 512 },
  'main-g512-d1024': { hyper: MAIN, gbase: 512, dbase: 1024 },
  'main-mix0': { hyper: { ...MAIN, mixing: 0 } },
};

const rounds = Number(process.argv[2] ?? 2);
const names = process.argv[3] ? process.argv[3].split(',') : Object.keys(VARIANTS);
const backend = await initNodeBackend();
const ds = await loadDataset({ resolution: 32, mirror: false });
const data = { numImages: ds.numImages, mirror: false, sample: (i: number[], f: boolean[]) => ds.sampleBatch(i, f) };
const trainers = names.map((name) => {
  const c = VARIANTS[name];
  if (!c) throw new Error(`unknown variant ${name} (${Object.keys(VARIANTS).join(', ')})`);
  const { config, hyper } = stylegan2Preset('cpu', 32);
  const gb = c.gbase ?? c.cbase, db = c.dbase ?? c.cbase;
  const cfg: StyleGAN2Config = {
    ...config,
    synthesis: { ...config.synthesis, channelMax: c.cmax ?? config.synthesis.channelMax, channelBase: gb ?? config.synthesis.channelBase },
    discriminator: { ...config.discriminator, channelMax: c.cmax ?? config.discriminator.channelMax, channelBase: db ?? config.discriminator.channelBase },
  };
  const t = new Stylegan2Trainer(cfg, { ...hyper, ...c.hyper }, data);
  t.trainStep(); // warm-up (kernels, buffer pool)
  return { name, t, ms: [] as number[], cpu: [] as number[], imgs: [] as number[] };
});
for (let r = 0; r < rounds; r++) {
  for (const v of trainers) {
    const n0 = v.t.nimg, t0 = performance.now(), c0 = process.cpuUsage();
    for (let i = 0; i < 16; i++) v.t.trainStep();
    v.ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    v.cpu.push((c.user + c.system) / 1000);
    v.imgs.push(v.t.nimg - n0);
  }
}
console.log(`backend ${backend}, ${rounds} rounds of 16 steps each, interleaved`);
for (const v of trainers) {
  const rates = v.ms.map((ms, i) => (1000 * v.imgs[i]) / ms);
  // CPU ms per image: less sensitive than img/s to other processes' load (not to cache sharing).
  const cpuPerImg = v.cpu.map((ms, i) => ms / v.imgs[i]);
  console.log(`${v.name.padEnd(10)} img/s ${rates.map((x) => x.toFixed(1)).join(' ')}  (best ${Math.max(...rates).toFixed(1)}); CPU ms/img ${cpuPerImg.map((x) => x.toFixed(2)).join(' ')}`);
  v.t.dispose();
}
console.log(`tensors left: ${tf.memory().numTensors}`);
