/**
 * `stylegan train --arch dcgan` (a baseline) end to end on 8 emoji at 16 px: the run folder, the
 * hyperparameters printed at start, the snapshot's config, generate --seeds from it, and the
 * StyleGAN-only options refused with one line.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './cli.js';
import { readImageRgb } from '../../src/data/grid.js';
import { decodeNetworkSnapshot } from '../../src/io/snapshot.js';

let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-baselines-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('train --arch dcgan: outputs, printed hyperparameters, generate --seeds; truncation refused', async () => {
  const run = path.join(tmp, 'run');
  const r = await runCli(['train', '--arch', 'dcgan', '--outdir', run, '--resolution', '16', '--max-images', '8', '--batch', '4',
    '--kimg', '0.008', '--tick', '0.004', '--snap', '1', '--grid', '2x2', '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['reals.png', 'fakes-init.png', 'fakes-000000.png', 'log.txt', 'config.json', 'stats.jsonl', 'network-snapshot-000000.safetensors']) {
    assert.ok(fs.existsSync(path.join(run, f)), f);
  }
  assert.match(r.stderr, /G: 430595 parameters, D: 98017; batch 4, dcgan: BCE, DCGAN conv G and D, Adam lr 0\.0002 betas \(0\.5, 0\.999\)/);
  const snap = path.join(run, 'network-snapshot-000000.safetensors');
  const s = decodeNetworkSnapshot(fs.readFileSync(snap), snap);
  assert.deepEqual(s.config, { arch: 'dcgan', zDim: 100, wDim: 100, cDim: 0, imgResolution: 16, imgChannels: 3 });
  assert.equal((s.training as { nimg: number }).nimg, 8);

  const out = path.join(tmp, 'gen');
  const gen = await runCli(['generate', '--network', snap, '--seeds', '0-1', '--outdir', out, '--backend', 'wasm']);
  assert.equal(gen.code, 0, gen.stderr);
  const [a, b] = await Promise.all([readImageRgb(path.join(out, 'seed0000.png')), readImageRgb(path.join(out, 'seed0001.png'))]);
  assert.deepEqual([a.width, a.height], [16, 16]);
  assert.ok(a.data.some((v, i) => v !== b.data[i]), 'different seeds give different images');
  const trunc = await runCli(['generate', '--network', snap, '--seeds', '0', '--trunc', '0.7', '--outdir', out, '--backend', 'wasm']);
  assert.equal(trunc.code, 1);
  assert.match(trunc.stderr, /^stylegan generate: error: dcgan has no W space \(z goes straight into the generator\): truncation is available for the StyleGAN archs only$/m);
});

test('train --arch NAME refuses StyleGAN-only flags and resolutions its networks cannot build', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--arch', 'gan', '--grow', 'on'], /^stylegan train: error: --grow is for the StyleGAN archs, not --arch gan$/m],
    [['--arch', 'dcgan', '--resolution', '8'], /^stylegan train: error: --arch dcgan needs a resolution that is a multiple of 16, got 8$/m],
    [['--arch', 'gann'], /^stylegan train: error: --arch must be one of stylegan, stylegan2, .*gan, dcgan, wgan, wgan-gp, lsgan, dragan, began, vae, aae.*, got 'gann'$/m],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(['train', '--outdir', path.join(tmp, 'bad'), ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
  }
});
