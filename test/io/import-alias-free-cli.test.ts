/**
 * StyleGAN3 and StyleGAN-XL pickles through the CLI, one table for both families: the .pkl
 * dispatch in src/cli/network.ts (an XL pickle has SynthesisInput like a StyleGAN3 one, and a
 * plain nn.Embedding), `stylegan generate` writing the official PNGs within one level (psi 0.5
 * and gen_images.py's --translate 0.3,0.1 --rotate 30 for the t32/r32 fixtures, per class at psi
 * 0.7 for XL), `stylegan convert` to our checkpoint (modules kept, config round trip), which then
 * generates the same PNGs and the projected_w.npz image. Then what only one family has: XL's
 * --class errors, its stem, --centroids-path, --translate/--rotate on XL; --translate on a
 * StyleGAN2 network.
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

const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures');
const pixels = async (file: string) => new Uint8Array(await sharp(file).removeAlpha().raw().toBuffer());

async function generate(args: string[]): Promise<string> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'af-gen-'));
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

/** A generate run and the [ours, official] PNG pairs it must reproduce within one level. */
interface Case { args: string[]; pngs: Array<[string, string]> }
interface Family { name: string; dir: string; arch: string; modules: string[]; official: Case[]; converted: Case[] }

const seedPng = (s: number, ref: string): [string, string] => [`seed${String(s).padStart(4, '0')}.png`, ref];
const projected: Case = { args: ['--projected-w', 'projected_w.npz'], pngs: [['proj00.png', 'projected_w.png']] };
const sg3 = (name: string): Family => ({
  name, dir: path.join(fixtures, 'stylegan3-tiny', name), arch: 'stylegan3', modules: ['D', 'G', 'G_ema'],
  official: [
    { args: ['--seeds', '0-3', '--trunc', '0.5'], pngs: [0, 1, 2, 3].map((s) => seedPng(s, `seed000${s}-psi0.5.png`)) },
    { args: ['--seeds', '0', '--translate', '0.3,0.1', '--rotate', '30'], pngs: [seedPng(0, 'seed0000-t0.3,0.1-r30.png')] },
  ],
  converted: [{ args: ['--seeds', '1'], pngs: [seedPng(1, 'seed0001-psi1.0.png')] }, projected],
});
const FAMILIES: Family[] = [sg3('t32'), sg3('r32'), {
  name: 'stylegan-xl-tiny', dir: path.join(fixtures, 'stylegan-xl-tiny'), arch: 'stylegan-xl', modules: ['G', 'G_ema'],
  official: [0, 1, 2, 3].map((s) => ({ args: ['--seeds', String(s), '--class', String(s % 10), '--trunc', '0.7'], pngs: [seedPng(s, `seed000${s}-psi0.7.png`)] })),
  converted: [{ args: ['--seeds', '2', '--class', '2'], pngs: [seedPng(2, 'seed0002-psi1.0.png')] }, projected],
}];

/** Runs each case on `network` (file arguments resolved in the fixture folder) and compares its PNGs with the official ones. */
async function checkCases(f: Family, network: string, cases: Case[]): Promise<void> {
  for (const c of cases) {
    const out = await generate(['--network', network, ...c.args.map((a) => (a.endsWith('.npz') ? path.join(f.dir, a) : a))]);
    for (const [ours, ref] of c.pngs) assert.ok(await levels(path.join(out, ours), path.join(f.dir, ref)) <= 1, `${f.name} ${c.args.join(' ')}: ${ours} vs ${ref}`);
  }
}

for (const f of FAMILIES) {
  const pkl = path.join(f.dir, 'network.pkl');

  test(`${f.name}: generate --network file.pkl writes the official PNGs`, async () => {
    await checkCases(f, pkl, f.official);
  });

  test(`${f.name}: convert keeps ${f.modules.join(', ')} and the config; the checkpoint generates the official PNGs and projected_w`, async () => {
    const snap = readNetworkFile(pkl, { full: true });
    assert.equal(snap.config.arch, f.arch);
    assert.deepEqual(Object.keys(snap.modules).sort(), f.modules);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'af-conv-')), 'net.safetensors');
    fs.writeFileSync(file, encodeSnapshot(snap));
    assert.deepEqual(decodeNetworkSnapshot(fs.readFileSync(file), file).config, snap.config);
    await checkCases(f, file, f.converted);
  });
}

const XL = path.join(fixtures, 'stylegan-xl-tiny');
const XL_PKL = path.join(XL, 'network.pkl');

test('XL: a conditional network without --class or with one out of range is a clear error; the 16 px stem reads', async () => {
  await assert.rejects(generate(['--network', XL_PKL, '--seeds', '0']), /this is a conditional network with 10 classes: give a class index \(--class\)/);
  await assert.rejects(generate(['--network', XL_PKL, '--seeds', '0', '--class', '10']), /class 10 is out of range \[0, 10\)/);
  const stem = readNetworkFile(path.join(XL, 'stem16/network.pkl'));
  assert.equal(stem.config.arch === 'stylegan-xl' && stem.config.generatorClass, 'Generator');
});

test('XL --centroids-path: truncation towards the nearest centroid (gen_utils.get_w_from_seed), not the class row', async () => {
  const G = networkFromSnapshot(readNetworkFile(XL_PKL), XL_PKL) as StyleGANXLGenerator;
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
    const out = await generate(['--network', XL_PKL, '--seeds', '5', '--class', '3', '--trunc', '0.3', '--centroids-path', file]);
    const plain = tf.tidy(() => G.forward(z, { c }));
    const expect = toUint8XL(plain.dataSync() as Float32Array);
    const got = await pixels(path.join(out, 'seed0005.png'));
    let m = 0;
    for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i] - expect[i]));
    assert.ok(m <= 1, `psi 0.3 towards its own w leaves the image (max ${m} levels)`);
    const towardsRow = await generate(['--network', XL_PKL, '--seeds', '5', '--class', '3', '--trunc', '0.3']);
    assert.ok(await levels(path.join(towardsRow, 'seed0005.png'), path.join(out, 'seed0005.png')) > 1, 'without centroids the class row pulls it');
    fs.writeFileSync(file, encodeNpy(new Float32Array(10), [2, 5]));
    await assert.rejects(generate(['--network', XL_PKL, '--seeds', '5', '--class', '3', '--centroids-path', file]), /centroids\.npy: centroids are \[2, 5\], expected \[K, 256\] for this network/);
    await assert.rejects(generate(['--network', path.join(fixtures, 'stylegan2-ada-tiny/network.pkl'), '--seeds', '0', '--centroids-path', file]), /--centroids-path is for StyleGAN-XL networks/);
    tf.dispose([z, c, w, plain]);
  } finally {
    G.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('XL --translate / --rotate move the image through StyleGAN3\'s input transform (identity = the plain image)', async () => {
  const plain = await generate(['--network', XL_PKL, '--seeds', '1', '--class', '1']);
  const still = await generate(['--network', XL_PKL, '--seeds', '1', '--class', '1', '--translate', '0,0', '--rotate', '0']);
  assert.equal(await levels(path.join(plain, 'seed0001.png'), path.join(still, 'seed0001.png')), 0);
  const moved = await generate(['--network', XL_PKL, '--seeds', '1', '--class', '1', '--translate', '0.3,0.1', '--rotate', '30']);
  assert.ok(await levels(path.join(plain, 'seed0001.png'), path.join(moved, 'seed0001.png')) > 10);
});

test('--translate / --rotate on a StyleGAN2 network, or malformed, is a one-line usage error', async () => {
  const sg2 = path.join(fixtures, 'stylegan2-ada-tiny/network.pkl');
  await assert.rejects(generate(['--network', sg2, '--seeds', '0', '--rotate', '5']), /need a StyleGAN3 or StyleGAN-XL network \(this one is 'stylegan2'\)/);
  await assert.rejects(generate(['--network', path.join(fixtures, 'stylegan3-tiny/t32/network.pkl'), '--seeds', '0', '--translate', '0.3']), /--translate must look like 0\.3,0\.1/);
});
