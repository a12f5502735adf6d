/**
 * G_ema half-lives on one training run of the main job's default (docs/main-job.md): four more
 * G_ema copies are updated beside the trainer's own (5 kimg, ramp-up 0.05), which changes nothing
 * in training; at each given kimg every copy is written as a snapshot (OUT/NAME-KKKKKK.safetensors)
 * for `stylegan metrics --network F --data <emoji folder> --metrics swd --num 1000`.
 *   node --import tsx bench/ema-study.ts OUT [kimg,kimg,...]
 */
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../src/backend/node.js';
import { loadDataset } from '../src/data/dataset.js';
import { stylegan2Preset } from '../src/training/stylegan2-presets.js';
import { Stylegan2Trainer } from '../src/training/trainer-stylegan2.js';
import { emaBeta } from '../src/training/trainer-base.js';
import { DEFAULT_AUGMENT } from '../src/training/augment/ada.js';
import { encodeSnapshot } from '../src/io/snapshot.js';

const out = process.argv[2];
if (!out) throw new Error('usage: bench/ema-study.ts OUTDIR [kimg,...]');
const points = (process.argv[3] ?? '160,176,192').split(',').map(Number);
fs.mkdirSync(out, { recursive: true });
await initNodeBackend();
const ds = await loadDataset({ resolution: 32, mirror: false });
const data = { numImages: ds.numImages, mirror: false, sample: (i: number[], f: boolean[]) => ds.sampleBatch(i, f) };
const { config, hyper } = stylegan2Preset('cpu', 32);
const t = new Stylegan2Trainer(config, { ...hyper, augment: { ...DEFAULT_AUGMENT, mode: 'ada' } }, data);
const variants = [
  { name: 'e2r05', kimg: 2.5, ramp: 0.05 }, { name: 'e10r05', kimg: 10, ramp: 0.05 },
  { name: 'e20r10', kimg: 20, ramp: 0.1 }, { name: 'e40r20', kimg: 40, ramp: 0.2 },
].map((v) => ({ ...v, vars: new Map([...t.G.store.vars].map(([k, p]) => [k, tf.variable(p.clone())])) }));
const t0 = Date.now();
let next = 0;
while (next < points.length) {
  const nimg = t.nimg;
  t.trainStep();
  const n = t.nimg - nimg;
  tf.tidy(() => {
    for (const v of variants) {
      const beta = emaBeta(n, v.kimg, v.ramp, nimg);
      for (const [k, p] of t.G.store.vars) { const e = v.vars.get(k)!; e.assign(tf.add(p, tf.mul(tf.sub(e, p), beta))); }
    }
  });
  if (t.step % 125 === 0) console.log(`kimg ${t.kimg.toFixed(1)} ${((Date.now() - t0) / 60000).toFixed(1)} min p ${t.augment.p.toFixed(3)} tensors ${tf.memory().numTensors}`);
  if (t.kimg >= points[next]) {
    const s = t.toSnapshot();
    const tag = String(Math.round(t.kimg)).padStart(6, '0');
    fs.writeFileSync(`${out}/e5r05-${tag}.safetensors`, encodeSnapshot(s));
    for (const v of variants) {
      const raw = { ...s.modules.G_ema! };
      // G_ema's vars replaced by this variant's (buffers such as w_avg stay G_ema's copies of G's).
      for (const [k, e] of v.vars) raw[k] = { ...raw[k], data: e.dataSync().slice() } as never;
      fs.writeFileSync(`${out}/${v.name}-${tag}.safetensors`, encodeSnapshot({ ...s, modules: { ...s.modules, G_ema: raw } }));
    }
    console.log(`snapshots at ${t.kimg.toFixed(1)} kimg`);
    next++;
  }
}
