/**
 * StyleGAN-XL generation speed of ours on a network pickle, for comparison with
 * bench/stylegan_xl_reference.py (the official code on the same pickle and CPU):
 * G_ema(z, c) with class 0, psi 1, batch 1 and 8, best of repeated calls.
 *
 * Usage: node --import tsx bench/stylegan-xl.ts NETWORK.pkl [--backend native] [--seconds 3]
 */
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend, type BackendName } from '../src/backend/node.js';
import { loadGenerator } from '../src/sampling/load-generator.js';
import { bestTime } from './best-time.js';

const [file, ...rest] = process.argv.slice(2);
const opt = (k: string) => { const i = rest.indexOf(`--${k}`); return i >= 0 ? rest[i + 1] : undefined; };
const backend = await initNodeBackend(opt('backend') as BackendName | undefined);
const seconds = Number(opt('seconds') ?? 3);
const G = loadGenerator(fs.readFileSync(file), file);
console.log(`${G.cfg.arch} ${G.cfg.imgResolution} px, tfjs ${backend}`);
for (const batch of [1, 8]) {
  const z = tf.randomNormal([batch, G.cfg.zDim]) as tf.Tensor2D;
  const c = G.cfg.cDim ? tf.cast(tf.oneHot(tf.zeros([batch], 'int32') as tf.Tensor1D, G.cfg.cDim), 'float32') as tf.Tensor2D : undefined;
  const run = async () => { const img = G.forward(z, { c }); await img.data(); img.dispose(); };
  const { bestMs: best, iterations: n } = await bestTime(run, seconds);
  console.log(`batch ${batch}: ${(batch / (best / 1000)).toFixed(1)} img/s (best of ${n})`);
  tf.dispose([z, c]);
}
G.dispose();
