/**
 * Compares our networks with what NVIDIA's loader made of their TF-format export (the README's
 * export check): G_ema images (float max abs, PNG levels) and D logits, from the .npy files
 * scripts/check-nvidia-export.py writes.
 * Run: node --import tsx scripts/check-nvidia-export.ts CKPT.safetensors PREFIX
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../src/backend/node.js';
import { decodeNetworkSnapshot } from '../src/io/snapshot.js';
import { parseNpy } from '../src/io/npy.js';
import { StyleGAN2Generator } from '../src/networks/stylegan2/generator.js';
import { StyleGAN2Discriminator } from '../src/networks/stylegan2/discriminator.js';
import type { StyleGAN2Config } from '../src/networks/stylegan2/config.js';
import { seedsToZ } from '../src/sampling/generate.js';

await initNodeBackend();
const [ckpt, prefix] = process.argv.slice(2);
if (!ckpt || !prefix) throw new Error('usage: node --import tsx scripts/check-nvidia-export.ts CKPT.safetensors PREFIX');
const s = decodeNetworkSnapshot(readFileSync(ckpt), ckpt);
if (s.config.arch !== 'stylegan2' || !s.modules.D) throw new Error(`${ckpt}: needs a stylegan2 checkpoint with D`);
const cfg = s.config as StyleGAN2Config;
const G = new StyleGAN2Generator(cfg), D = new StyleGAN2Discriminator(cfg);
G.store.loadRaw(s.modules.G_ema!, ckpt);
D.store.loadRaw(s.modules.D, ckpt);
const npy = (f: string) => parseNpy(readFileSync(`${prefix}-${f}.npy`), f);
const asTensor = (a: { shape: number[]; data: ArrayLike<number> }) => tf.tensor(Float32Array.from(a.data as ArrayLike<number>), a.shape);
const c = cfg.cDim ? (tf.cast(tf.oneHot(tf.fill([4], 1, 'int32') as tf.Tensor1D, cfg.cDim), 'float32') as tf.Tensor2D) : null;
const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
for (const psi of [1, 0.5]) {
  const img = G.forward(seedsToZ([0, 1, 2, 3], cfg.zDim), { noiseMode: 'const', truncationPsi: psi, c: c ?? undefined });
  const ref = tf.transpose(asTensor(npy(`img-psi${psi.toFixed(1)}`)), [0, 2, 3, 1]);
  const u8 = tf.floor(tf.clipByValue(tf.add(tf.mul(img, 127.5), 128), 0, 255));
  console.log(`psi ${psi}: images max abs ${maxAbs(img, ref).toExponential(2)}, PNG levels max ${maxAbs(u8, asTensor(npy(`u8-psi${psi.toFixed(1)}`)))}`);
}
const logits = D.forward(tf.transpose(asTensor(npy('d-input')), [0, 2, 3, 1]) as tf.Tensor4D, c);
console.log(`D logits max abs ${maxAbs(logits, asTensor(npy('d-logits'))).toExponential(2)}`);
