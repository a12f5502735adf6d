/**
 * StyleGAN-XL pickles through the CLI: the .pkl dispatch (an XL pickle has SynthesisInput like a
 * StyleGAN3 one, and a plain nn.Embedding), `generate --class` writing gen_images.py's PNGs within
 * one level, the clear error without --class, multimodal truncation with --centroids-path,
 * `convert` to our checkpoint (which then generates the same PNGs), --projected-w in
 * run_inversion.py's [1, 1, wDim] form.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { setup } from '../helpers.js';
import { readNetworkFile } from '../../src/cli/network.js';
import { generateCommand } from '../../src/cli/generate.js';
import { decodeNetworkSnapshot, encodeSnapshot } from '../../src/io/snapshot.js';
import { networkFromSnapshot, seedsToZ } from '../../src/sampling/generate.js';
import { encodeNpy } from '../../src/io/npy.js';
import { StyleGANXLGenerator } from '../../src/networks/stylegan-xl/generator.js';
import { toUint8XL } from '../../src/data/uint8.js';

before(setup);

const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/stylegan-xl-tiny');
const pkl = path.join(dir, 'network.pkl');
const pixels = async (file: string) => new Uint8Array(await sharp(file).removeAlpha().raw().toBuffer());

async function generate(args: string[]): Promise<string> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'xl-gen-'));
  const log = console.log;
  console.log = () => {};
  try {
    await generateCommand([...args, '--outdir', out]);
  } finally {
    console.log = log;
  }
  return out;
}

async function levels(a: string, b: string): Promise<number> {
  const [x, y] = [await pixels(a), await pixels(b)];
  assert.equal(x.length, y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

test('generate --network xl.pkl --class C --trunc 0.7 writes gen_images.py\'s PNGs; a conditional network without --class is a clear error', async () => {
  for (const s of [0, 1, 2, 3]) {
    const out = await generate(['--network', pkl, '--seeds', String(s), '--class', String(s % 10), '--trunc', '0.7']);
    assert.ok(await levels(path.join(out, `seed000${s}.png`), path.join(dir, `seed000${s}-psi0.7.png`)) <= 1, `seed ${s}`);
  }
  await assert.rejects(generate(['--network', pkl, '--seeds', '0']), /this is a conditional network with 10 classes: give a class index \(--class\)/);
  await assert.rejects(generate(['--network', pkl, '--seeds', '0', '--class', '10']), /class 10 is out of range \[0, 10\)/);
});

test('convert: the checkpoint holds the XL config (explicit layers) and generates the same PNGs; --projected-w takes [1, 1, wDim]', async () => {
  const snap = readNetworkFile(pkl, { full: true });
  assert.equal(snap.config.arch, 'stylegan-xl');
  assert.deepEqual(Object.keys(snap.modules).sort(), ['G', 'G_ema']);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xl-conv-')), 'net.safetensors');
  fs.writeFileSync(file, encodeSnapshot(snap));
  assert.deepEqual(decodeNetworkSnapshot(fs.readFileSync(file), file).config, snap.config);
  const out = await generate(['--network', file, '--seeds', '2', '--class', '2']);
  assert.ok(await levels(path.join(out, 'seed0002.png'), path.join(dir, 'seed0002-psi1.0.png')) <= 1);
  const proj = await generate(['--network', file, '--projected-w', path.join(dir, 'projected_w.npz')]);
  assert.ok(await levels(path.join(proj, 'proj00.png'), path.join(dir, 'projected_w.png')) <= 1);
  const stem = readNetworkFile(path.join(dir, 'stem16/network.pkl'));
  assert.equal(stem.config.arch === 'stylegan-xl' && stem.config.generatorClass, 'Generator');
});

test('--centroids-path: truncation towards the nearest centroid (gen_utils.get_w_from_seed), not the class row', async () => {
  const G = networkFromSnapshot(readNetworkFile(pkl), pkl) as StyleGANXLGenerator;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xl-cent-'));
  try {
    // Two centroids: seed 5's own w (so psi has no effect on it) and a far point.
    const z = seedsToZ([5], 64);
    const c = tf.cast(tf.oneHot(tf.tensor1d([3], 'int32'), 10), 'float32') as tf.Tensor2D;
    const w = tf.tidy(() => tf.reshape(tf.slice(G.mappingForward(z, { c }), [0, 0, 0], [1, 1, 256]), [256]));
    const cent = new Float32Array(512);
    cent.set(w.dataSync() as Float32Array, 0);
    cent.fill(100, 256);
    const file = path.join(tmp, 'centroids.npy');
    fs.writeFileSync(file, encodeNpy(cent, [2, 256]));
    const out = await generate(['--network', pkl, '--seeds', '5', '--class', '3', '--trunc', '0.3', '--centroids-path', file]);
    const plain = tf.tidy(() => G.forward(z, { c }));
    const expect = toUint8XL(plain.dataSync() as Float32Array);
    const got = await pixels(path.join(out, 'seed0005.png'));
    let m = 0;
    for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i] - expect[i]));
    assert.ok(m <= 1, `psi 0.3 towards its own w leaves the image (max ${m} levels)`);
    const towardsRow = await generate(['--network', pkl, '--seeds', '5', '--class', '3', '--trunc', '0.3']);
    assert.ok(await levels(path.join(towardsRow, 'seed0005.png'), path.join(out, 'seed0005.png')) > 1, 'without centroids the class row pulls it');
    fs.writeFileSync(file, encodeNpy(new Float32Array(10), [2, 5]));
    await assert.rejects(generate(['--network', pkl, '--seeds', '5', '--class', '3', '--centroids-path', file]), /centroids\.npy: centroids are \[2, 5\], expected \[K, 256\] for this network/);
    await assert.rejects(generate(['--network', path.join(dir, '../stylegan2-ada-tiny/network.pkl'), '--seeds', '0', '--centroids-path', file]), /--centroids-path is for StyleGAN-XL networks/);
    tf.dispose([z, c, w, plain]);
  } finally {
    G.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('--translate / --rotate move an XL image through StyleGAN3\'s input transform (identity = the plain image)', async () => {
  const plain = await generate(['--network', pkl, '--seeds', '1', '--class', '1']);
  const still = await generate(['--network', pkl, '--seeds', '1', '--class', '1', '--translate', '0,0', '--rotate', '0']);
  assert.equal(await levels(path.join(plain, 'seed0001.png'), path.join(still, 'seed0001.png')), 0);
  const moved = await generate(['--network', pkl, '--seeds', '1', '--class', '1', '--translate', '0.3,0.1', '--rotate', '30']);
  assert.ok(await levels(path.join(plain, 'seed0001.png'), path.join(moved, 'seed0001.png')) > 10);
});
