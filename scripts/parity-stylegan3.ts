/**
 * Makes docs/parity-stylegan3.png and prints the parity numbers for the README: for the t32 and
 * r32 StyleGAN3 fixtures, NVIDIA's PNGs (top row of each pair) and ours (bottom) for the nine
 * cases (seeds 0-3 at psi 1, 0.5, and seed 0 translated 0.3,0.1 and rotated 30 degrees), 3x.
 * Run: node --import tsx scripts/parity-stylegan3.ts
 */
import fs from 'node:fs';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../src/backend/node.js';
import { importStyleGAN3, discriminatorConfig } from '../src/io/import-stylegan3.js';
import { StyleGAN3Generator } from '../src/networks/stylegan3/generator.js';
import { StyleGAN2Discriminator } from '../src/networks/stylegan2/discriminator.js';
import { setTranslateRotate } from '../src/sampling/input-transform.js';
import { seedsToZ } from '../src/sampling/generate.js';
import { parseNpy, parseNpz } from '../src/io/npy.js';
import { toUint8 } from '../src/data/grid.js';

await initNodeBackend();
const S = 3, R = 32, rows: Buffer[][] = [];
for (const name of ['t32', 'r32']) {
  const dir = `test/fixtures/stylegan3-tiny/${name}/`;
  const fx = JSON.parse(fs.readFileSync(dir + 'fixture.json', 'utf8'));
  const imp = importStyleGAN3(fs.readFileSync(dir + 'network.pkl'), name, { withD: true });
  const G = new StyleGAN3Generator(imp.config);
  G.store.loadRaw(imp.G_ema, 'G_ema');
  const theirs: Buffer[] = [], ours: Buffer[] = [];
  let worst = 0, levels = 0;
  for (const c of fx.cases) {
    setTranslateRotate(G, c.translate, c.rotate);
    const img = G.forward(seedsToZ([c.seed], imp.config.zDim), { truncationPsi: c.trunc });
    const d = img.dataSync() as Float32Array;
    img.dispose();
    const ref = parseNpy(fs.readFileSync(dir + c.npy)).data as Float32Array;
    for (let i = 0; i < R * R; i++) for (let ch = 0; ch < 3; ch++) worst = Math.max(worst, Math.abs(d[i * 3 + ch] - ref[ch * R * R + i]));
    const u8 = toUint8(d), png = await sharp(dir + c.png).removeAlpha().raw().toBuffer();
    for (let i = 0; i < u8.length; i++) levels = Math.max(levels, Math.abs(u8[i] - png[i]));
    theirs.push(await sharp(dir + c.png).removeAlpha().resize(R * S, R * S, { kernel: 'nearest' }).png().toBuffer());
    ours.push(await sharp(Buffer.from(u8), { raw: { width: R, height: R, channels: 3 } }).resize(R * S, R * S, { kernel: 'nearest' }).png().toBuffer());
  }
  setTranslateRotate(G, [0, 0], 0);
  const w = parseNpz(fs.readFileSync(dir + 'projected_w.npz'), 'npz').w;
  const pimg = G.synthesis.forward(tf.tensor3d(w.data as Float32Array, [1, 16, 64]));
  const pd = pimg.dataSync(), pref = parseNpy(fs.readFileSync(dir + 'projected_w.npy')).data as Float32Array;
  let pw = 0;
  for (let i = 0; i < R * R; i++) for (let ch = 0; ch < 3; ch++) pw = Math.max(pw, Math.abs(pd[i * 3 + ch] - pref[ch * R * R + i]));
  const D = new StyleGAN2Discriminator(discriminatorConfig(imp.config));
  D.store.loadRaw(imp.D!, 'D');
  const x = tf.transpose(tf.tensor4d(parseNpy(fs.readFileSync(dir + 'd_input.npy')).data as Float32Array, [4, 3, R, R]), [0, 2, 3, 1]) as tf.Tensor4D;
  const logits = D.forward(x).dataSync(), lref = parseNpy(fs.readFileSync(dir + 'd_logits.npy')).data as Float32Array;
  const dl = Math.max(...Array.from(logits, (v, i) => Math.abs(v - lref[i])));
  console.log(`${name}: images max abs ${worst.toExponential(1)}, max ${levels} level(s); projected_w ${pw.toExponential(1)}; D logits ${dl.toExponential(1)}`);
  rows.push(theirs, ours);
}
const W = rows[0].length * R * S, gap = 4;
const composite = rows.flatMap((row, r) => row.map((input, c) => ({ input, left: c * R * S, top: r * R * S + (r >= 2 ? gap : 0) })));
await sharp({ create: { width: W, height: rows.length * R * S + gap, channels: 3, background: '#ffffff' } }).composite(composite).png().toFile('docs/parity-stylegan3.png');
console.log('wrote docs/parity-stylegan3.png');
