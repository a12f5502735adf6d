/**
 * StyleGAN2-ADA pickles through the network-file plumbing: the .pkl dispatch in
 * src/cli/network.ts, conversion to our checkpoint and back, `stylegan generate` on the
 * fixture pickle writing exactly the official PNGs, and stylegan-only readers refusing it.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { setup, maxAbsDiff } from '../helpers.js';
import { loadAnyNetwork, loadNetwork, readNetworkFile } from '../../src/cli/network.js';
import { generateCommand } from '../../src/cli/generate.js';
import { decodeNetworkSnapshot, decodeSnapshot, encodeSnapshot } from '../../src/io/snapshot.js';
import { generateImages, networkFromSnapshot } from '../../src/sampling/generate.js';
import { parseNpy } from '../../src/io/npy.js';

before(setup);

const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/stylegan2-ada-tiny');
const pkl = path.join(dir, 'network.pkl');

/** The official [3, R, R] npy as HWC, the layout of our images. */
function refHwc(file: string): Float32Array {
  const a = parseNpy(fs.readFileSync(path.join(dir, file)));
  const [c, h, w] = a.shape, d = a.data as Float32Array, out = new Float32Array(d.length);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[i * c + ch] = d[ch * h * w + i];
  return out;
}

test('a stylegan2-ada .pkl loads as a generator (G_ema) through the CLI dispatch', async () => {
  const G = await loadAnyNetwork(pkl);
  assert.equal(G.cfg.arch, 'stylegan2');
  const [img] = await generateImages(G, [2], { truncationPsi: 0.5 });
  assert.ok(maxAbsDiff(img.data, refHwc('seed0002-psi0.5.npy')) < 1e-3);
  G.dispose();
});

test('convert: the .pkl becomes our checkpoint (G_ema, G, D) and generates the same images', async () => {
  const snap = readNetworkFile(pkl, { full: true });
  assert.deepEqual(Object.keys(snap.modules).sort(), ['D', 'G', 'G_ema']);
  const back = decodeNetworkSnapshot(encodeSnapshot(snap), 'converted.safetensors');
  assert.deepEqual(back.config, snap.config);
  const G = networkFromSnapshot(back, 'converted.safetensors');
  const [img] = await generateImages(G, [1], { truncationPsi: 1 });
  assert.ok(maxAbsDiff(img.data, refHwc('seed0001-psi1.0.npy')) < 1e-3);
  G.dispose();
  // Readers that need the `stylegan` arch say so in one line.
  assert.throws(() => decodeSnapshot(encodeSnapshot(snap), 'c.safetensors'), /c\.safetensors: a 'stylegan2' checkpoint cannot be used here/);
  await assert.rejects(loadNetwork(pkl), /supports 'stylegan' networks only, not 'stylegan2'/);
});

test('stylegan generate --network file.pkl writes the official PNGs', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sg2-gen-'));
  const log = console.log;
  console.log = () => {};
  try {
    await generateCommand(['--network', pkl, '--seeds', '0-3', '--trunc', '0.5', '--outdir', out]);
  } finally {
    console.log = log;
  }
  for (const s of [0, 1, 2, 3]) {
    const ours = await sharp(path.join(out, `seed000${s}.png`)).removeAlpha().raw().toBuffer();
    const ref = await sharp(path.join(dir, `seed000${s}-psi0.5.png`)).removeAlpha().raw().toBuffer();
    assert.equal(ours.length, ref.length);
    let m = 0;
    for (let i = 0; i < ours.length; i++) m = Math.max(m, Math.abs(ours[i] - ref[i]));
    assert.ok(m <= 1, `seed ${s}: PNGs differ by ${m} levels`);
  }
  fs.rmSync(out, { recursive: true, force: true });
});

test('conditional networks: --class picks the label; without one, a one-line error', async () => {
  const cdir = path.join(dir, '../stylegan2-cond-resnet-skip');
  const G = await loadAnyNetwork(path.join(cdir, 'network.pkl'));
  const [img] = await generateImages(G, [0], { classIdx: 1 });
  const ref = parseNpy(fs.readFileSync(path.join(cdir, 'seed0000-psi1.0-const.npy')));
  const [c, h, w] = ref.shape, d = ref.data as Float32Array, hwc = new Float32Array(d.length);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) hwc[i * c + ch] = d[ch * h * w + i];
  assert.ok(maxAbsDiff(img.data, hwc) < 1e-3);
  await assert.rejects(generateImages(G, [0]), /conditional network with 4 classes: give a class index \(--class\)/);
  await assert.rejects(generateImages(G, [0], { classIdx: 4 }), /class 4 is out of range \[0, 4\)/);
  G.dispose();
});

test('no tensors leak from generating or from D', async () => {
  const { StyleGAN2Discriminator } = await import('../../src/networks/stylegan2/discriminator.js');
  const tf = await import('@tensorflow/tfjs-core');
  const snap = readNetworkFile(pkl, { full: true });
  const G = networkFromSnapshot(snap, 'pkl');
  const D = new StyleGAN2Discriminator(snap.config as never);
  D.store.loadRaw(snap.modules.D!, 'D');
  await generateImages(G, [0, 1]);
  const before = tf.memory().numTensors;
  await generateImages(G, [2, 3], { noiseMode: 'random', truncationPsi: 0.5, truncationCutoff: 4 });
  tf.dispose(tf.tidy(() => D.forward(tf.zeros([4, 32, 32, 3]) as never)));
  assert.equal(tf.memory().numTensors, before);
  G.dispose();
  D.dispose();
});
