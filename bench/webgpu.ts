/**
 * StyleGAN2 generation and training images/s on one backend (meant for webgpu on a GPU), at
 * several resolutions, with NVIDIA's network shape by default (channel_base 32768,
 * channel_max 512, 512-d z and w, 8 mapping layers: config F). Every read is awaited (webgpu in
 * Node has no synchronous reads). Generation: G(z) at noise const, best batch time after a
 * warm-up (shader compilation). Training: stylegan2 steps with lazy regularization (PL every 4,
 * R1 every 16), the mean over 16 steps after one warm-up step. An error at one size (e.g. out
 * of GPU memory) is recorded and the next size runs.
 *
 * Usage: node --import tsx bench/webgpu.ts [--backend webgpu] [--res 64,256,1024] [--gen-batch 8]
 *          [--train-batch 16] [--seconds 5] [--steps 16] [--cbase 32768] [--cmax 512] [--json FILE]
 */
import fs from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend, type BackendName } from '../src/backend/node.js';
import { webgpuAdapter } from '../src/backend/webgpu-node.js';
import { defaultStyleGAN2Config } from '../src/networks/stylegan2/config.js';
import { StyleGAN2Generator } from '../src/networks/stylegan2/generator.js';
import { Stylegan2Trainer } from '../src/training/trainer-stylegan2.js';
import { stylegan2Preset } from '../src/training/stylegan2-presets.js';
import { bestTime } from './best-time.js';

const args = process.argv.slice(2);
const opt = (k: string, d: string) => { const i = args.indexOf(`--${k}`); return i >= 0 ? args[i + 1] : d; };
const num = (k: string, d: number) => {
  const v = Number(opt(k, String(d)));
  if (!Number.isFinite(v) || v <= 0) throw new Error(`bench/webgpu.ts: --${k} must be a positive number`);
  return v;
};
const backendName = opt('backend', 'webgpu') as BackendName;
const resolutions = opt('res', '64,256,1024').split(',').map(Number);
const genBatch = num('gen-batch', 8), trainBatch = num('train-batch', 16), seconds = num('seconds', 5), steps = num('steps', 16);
const cbase = num('cbase', 32768), cmax = num('cmax', 512), json = opt('json', '');

const backend = await initNodeBackend(backendName, false);
const config = (r: number) => defaultStyleGAN2Config({
  zDim: 512, wDim: 512, imgResolution: r, mapping: { numLayers: 8 },
  synthesis: { channelBase: cbase, channelMax: cmax }, discriminator: { channelBase: cbase, channelMax: cmax },
});

async function generation(r: number): Promise<Record<string, unknown>> {
  const G = new StyleGAN2Generator(config(r), Math.random);
  const z = tf.randomNormal([genBatch, 512], 0, 1, 'float32', 1) as tf.Tensor2D;
  const run = async () => { const img = G.forward(z, { noiseMode: 'const' }); await img.data(); img.dispose(); };
  try {
    const { bestMs: best, iterations: n } = await bestTime(run, seconds);
    return { batch: genBatch, msPerBatch: best, imagesPerSec: (genBatch * 1000) / best, iterations: n };
  } finally {
    z.dispose();
    G.dispose();
  }
}

async function training(r: number): Promise<Record<string, unknown>> {
  const size = r * r * 3, reals = Float32Array.from({ length: 4 * size }, (_, i) => Math.sin(i * 0.37));
  const sample = (idx: number[]) => {
    const out = new Float32Array(idx.length * size);
    idx.forEach((k, j) => out.set(reals.subarray((k % 4) * size, (k % 4 + 1) * size), j * size));
    return out;
  };
  const hyper = { ...stylegan2Preset('cpu', r).hyper, r1Gamma: 10, plWeight: 2, gRegInterval: 4, dRegInterval: 16, mixing: 0.9, batch: trainBatch };
  const t = new Stylegan2Trainer(config(r), hyper, { numImages: 4, mirror: false, sample });
  try {
    await t.trainStepAsync();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await t.trainStepAsync();
    const ms = (performance.now() - t0) / steps;
    return { batch: trainBatch, msPerStep: ms, imagesPerSec: (trainBatch * 1000) / ms, steps, step: 'Gmain+Dmain, PL every 4, R1 every 16 (losses read every step)' };
  } finally {
    t.dispose();
  }
}

const rows: Record<string, unknown>[] = [];
for (const r of resolutions) {
  for (const [what, fn] of [['generation', generation], ['training', training]] as const) {
    process.stderr.write(`${backend} ${r} px ${what}... `);
    let row: Record<string, unknown>;
    try {
      row = { resolution: r, what, ...(await fn(r)) };
    } catch (e) {
      row = { resolution: r, what, error: (e as Error).message.split('\n')[0] };
    }
    rows.push(row);
    process.stderr.write(`${row.error ?? `${(row.imagesPerSec as number).toFixed(2)} img/s`}\n`);
  }
}
const result = {
  backend, adapter: backend === 'webgpu' ? webgpuAdapter() : undefined,
  network: { arch: 'stylegan2', channelBase: cbase, channelMax: cmax, zDim: 512, wDim: 512, mappingLayers: 8 },
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), node: process.version, date: new Date().toISOString() },
  rows,
};
if (json) fs.writeFileSync(json, JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
