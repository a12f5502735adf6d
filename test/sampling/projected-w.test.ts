/**
 * `stylegan generate --projected-w`: the official projector's projected_w.npz on the
 * StyleGAN2-ADA fixture reproduces its projected_w.png; our stylegan arch works too; bad
 * npz files (no 'w', wrong shape) fail with one line.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { setup } from '../helpers.js';
import { generateCommand } from '../../src/cli/generate.js';
import { encodeNpz } from '../../src/io/npy.js';
import { tinyGenerator, writeTinyCheckpoint } from './tiny-net.js';

before(setup);
let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'projected-w-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/stylegan2-ada-tiny');

async function quiet(argv: string[]): Promise<void> {
  const log = console.log;
  console.log = () => {};
  try {
    await generateCommand(argv);
  } finally {
    console.log = log;
  }
}

async function pixels(file: string): Promise<Buffer> {
  return sharp(file).removeAlpha().raw().toBuffer();
}

test('generate --projected-w on the StyleGAN2-ADA fixture writes proj00.png = projected_w.png (within 1 level)', async () => {
  const out = path.join(tmp, 'sg2');
  await quiet(['--network', path.join(dir, 'network.pkl'), '--projected-w', path.join(dir, 'projected_w.npz'), '--outdir', out]);
  assert.deepEqual(fs.readdirSync(out), ['proj00.png']);
  const ours = await pixels(path.join(out, 'proj00.png')), ref = await pixels(path.join(dir, 'projected_w.png'));
  assert.equal(ours.length, ref.length);
  let m = 0;
  for (let i = 0; i < ours.length; i++) m = Math.max(m, Math.abs(ours[i] - ref[i]));
  assert.ok(m <= 1, `proj00.png differs from projected_w.png by ${m} levels`);
});

test('generate --projected-w on a stylegan checkpoint: one projNN.png per row, each the synthesis of its w', async () => {
  const G = tinyGenerator();
  const file = writeTinyCheckpoint(G, false);
  const ws = tf.tidy(() => G.mappingForward(tf.randomNormal([3, G.cfg.zDim], 0, 1, 'float32', 4)));
  const wData = (await ws.data()) as Float32Array;
  const npz = path.join(tmp, 'w3.npz');
  fs.writeFileSync(npz, encodeNpz({ w: { data: wData, shape: ws.shape } }));
  const out = path.join(tmp, 'sg1');
  await quiet(['--network', file, '--projected-w', npz, '--outdir', out]);
  assert.deepEqual(fs.readdirSync(out).sort(), ['proj00.png', 'proj01.png', 'proj02.png']);
  const img = tf.tidy(() => tf.slice(G.synthesis.forward(ws, { noiseMode: 'const' }), [2], [1]));
  const want = Uint8Array.from(await img.data(), (v) => Math.max(0, Math.min(255, Math.floor(v * 127.5 + 128))));
  const got = await pixels(path.join(out, 'proj02.png'));
  let m = 0;
  for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
  assert.ok(m <= 1, `proj02.png differs from synthesis by ${m} levels`);
  tf.dispose([ws, img]);
  G.dispose();
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

test('generate --projected-w: a bad npz is one error line', async () => {
  const noW = path.join(tmp, 'noW.npz'), badShape = path.join(tmp, 'shape.npz');
  fs.writeFileSync(noW, encodeNpz({ x: { data: new Float32Array(8 * 128), shape: [1, 8, 128] } }));
  fs.writeFileSync(badShape, encodeNpz({ w: { data: new Float32Array(7 * 128), shape: [1, 7, 128] } }));
  const pkl = path.join(dir, 'network.pkl'), out = path.join(tmp, 'bad');
  const cases: Array<[string[], RegExp]> = [
    [['--projected-w', noW], /^stylegan generate: error: .*noW\.npz: no array 'w' \(has x\)/],
    [['--projected-w', badShape], /^stylegan generate: error: .*shape\.npz: w is \[1, 7, 128\], expected \[N, 8, 128\] \(or \[N, 1, 128\]\) for this network$/],
    [['--projected-w', path.join(tmp, 'missing.npz')], /^stylegan generate: error: --projected-w: file not found: .*missing\.npz$/],
    [['--projected-w', noW, '--seeds', '0'], /^stylegan generate: error: .*not both/],
  ];
  // In process (a child per case is slow on a loaded machine): main.ts prints the message as the one line.
  for (const [args, re] of cases) {
    await assert.rejects(quiet(['--network', pkl, '--outdir', out, ...args]), (e: Error) => {
      assert.ok(!e.message.includes('\n'), e.message);
      assert.match(`stylegan generate: error: ${e.message}`, re);
      return true;
    });
  }
  assert.ok(!fs.existsSync(out), 'nothing written on error');
});
