/**
 * StyleGAN3 pickles through the network-file plumbing: the .pkl dispatch in src/cli/network.ts,
 * `stylegan convert` to our checkpoint and back, and `stylegan generate` (with --translate /
 * --rotate, as gen_images.py) writing the official PNGs within one level.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { setup } from '../helpers.js';
import { readNetworkFile } from '../../src/cli/network.js';
import { generateCommand } from '../../src/cli/generate.js';
import { decodeNetworkSnapshot, encodeSnapshot } from '../../src/io/snapshot.js';

before(setup);

const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/stylegan3-tiny');

async function pixels(file: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(file).removeAlpha().raw().toBuffer());
}

async function generate(args: string[]): Promise<string> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sg3-gen-'));
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

for (const name of ['t32', 'r32']) {
  const pkl = path.join(dir, name, 'network.pkl');

  test(`${name}: generate --network file.pkl writes the official PNGs (psi 0.5, and --translate 0.3,0.1 --rotate 30)`, async () => {
    const a = await generate(['--network', pkl, '--seeds', '0-3', '--trunc', '0.5']);
    for (let s = 0; s < 4; s++) assert.ok(await levels(path.join(a, `seed000${s}.png`), path.join(dir, name, `seed000${s}-psi0.5.png`)) <= 1, `seed ${s}`);
    const b = await generate(['--network', pkl, '--seeds', '0', '--translate', '0.3,0.1', '--rotate', '30']);
    assert.ok(await levels(path.join(b, 'seed0000.png'), path.join(dir, name, 'seed0000-t0.3,0.1-r30.png')) <= 1);
  });

  test(`${name}: convert keeps G_ema, G and D; the checkpoint generates the official PNGs`, async () => {
    const snap = readNetworkFile(pkl, { full: true });
    assert.equal(snap.config.arch, 'stylegan3');
    assert.deepEqual(Object.keys(snap.modules).sort(), ['D', 'G', 'G_ema']);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sg3-conv-')), 'net.safetensors');
    fs.writeFileSync(file, encodeSnapshot(snap));
    assert.deepEqual(decodeNetworkSnapshot(fs.readFileSync(file), file).config, snap.config);
    const out = await generate(['--network', file, '--seeds', '1']);
    assert.ok(await levels(path.join(out, 'seed0001.png'), path.join(dir, name, 'seed0001-psi1.0.png')) <= 1);
  });
}

test('--translate / --rotate on a StyleGAN2 network, or malformed, is a one-line usage error', async () => {
  const sg2 = path.join(dir, '../stylegan2-ada-tiny/network.pkl');
  await assert.rejects(generate(['--network', sg2, '--seeds', '0', '--rotate', '5']), /need a StyleGAN3 or StyleGAN-XL network \(this one is 'stylegan2'\)/);
  await assert.rejects(generate(['--network', path.join(dir, 't32/network.pkl'), '--seeds', '0', '--translate', '0.3']), /--translate must look like 0\.3,0\.1/);
});
