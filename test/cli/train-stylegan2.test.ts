/**
 * `stylegan train --arch stylegan2` end to end on 16 real emoji at 16 px (a net of a few
 * thousand parameters): run folder outputs, an exact resume (byte-identical snapshot to a
 * straight run), generate from the snapshot, and the flags that do not apply.
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
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-train2-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** 3 steps of batch 4 per 0.012 kimg; step 0 runs both lazy regularizers. */
const NET = ['--arch', 'stylegan2', '--cfg', 'cpu', '--pl-weight', '2', '--max-images', '16', '--resolution', '16', '--cbase', '64', '--cmax', '8', '--zdim', '16',
  '--batch', '4', '--grid', '2x2', '--tick', '0.008', '--snap', '1', '--backend', 'wasm'];

test('train --arch stylegan2: outputs, exact --resume, generate from the snapshot', async () => {
  const run = path.join(tmp, 'run'), straight = path.join(tmp, 'straight');
  const [first, whole] = await Promise.all([
    runCli(['train', '--outdir', run, '--kimg', '0.012', ...NET]),
    runCli(['train', '--outdir', straight, '--kimg', '0.024', ...NET]),
  ]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(whole.code, 0, whole.stderr);
  const files = fs.readdirSync(run);
  for (const f of ['reals.png', 'fakes-init.png', 'fakes-000000.png', 'log.txt', 'config.json', 'stats.jsonl', 'network-snapshot-000000.safetensors']) {
    assert.ok(files.includes(f), `${f} in ${files}`);
  }
  const log = fs.readFileSync(path.join(run, 'log.txt'), 'utf8');
  assert.match(log, /cfg cpu: nsgan, R1 gamma 0\.0032 every 16, PL weight 2 every 4/);
  const snap = path.join(run, 'network-snapshot-000000.safetensors');
  const s = decodeNetworkSnapshot(fs.readFileSync(snap), snap);
  assert.equal(s.config.arch, 'stylegan2');
  assert.equal((s.training as { nimg: number }).nimg, 12);
  assert.ok(Number.isFinite((s.training as { plMean: number }).plMean) && (s.training as { plMean: number }).plMean > 0);

  // Resumed with output flags only: arch, cfg, network and data come from the checkpoint.
  const resumed = await runCli(['train', '--outdir', run, '--resume', 'latest', '--kimg', '0.024', '--tick', '0.008', '--snap', '1', '--grid', '2x2', '--backend', 'wasm']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(fs.readFileSync(snap).equals(fs.readFileSync(path.join(straight, 'network-snapshot-000000.safetensors'))), 'resumed snapshot differs from the straight run');

  const out = path.join(tmp, 'gen');
  const gen = await runCli(['generate', '--network', snap, '--seeds', '0-1', '--outdir', out, '--backend', 'wasm']);
  assert.equal(gen.code, 0, gen.stderr);
  assert.deepEqual(fs.readdirSync(out).sort(), ['seed0000.png', 'seed0001.png']);
  const [a, b] = await Promise.all([readImageRgb(path.join(out, 'seed0000.png')), readImageRgb(path.join(out, 'seed0001.png'))]);
  assert.deepEqual([a.width, a.height], [16, 16]);
  assert.ok(a.data.some((v, i) => v !== b.data[i]), 'different seeds give different images');
});

test('train --arch stylegan2 refuses stylegan-only flags, unknown cfgs and --cfg with --arch stylegan', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--arch', 'stylegan2', '--grow', 'on'], /^stylegan train: error: --grow is for --arch stylegan only$/],
    [['--arch', 'stylegan2', '--cfg', 'huge'], /^stylegan train: error: --cfg must be one of auto, stylegan2, paper256, paper512, paper1024, cifar, cpu, got 'huge'$/],
    [['--arch', 'stylegan', '--cfg', 'auto'], /^stylegan train: error: --cfg is for --arch stylegan2/],
    [['--arch', 'stylegan9'], /^stylegan train: error: --arch must be one of stylegan, stylegan2, stylegan3, gan, dcgan, wgan, wgan-gp, lsgan, dragan, began, vae, aae, got 'stylegan9'$/],
  ];
  await Promise.all(cases.map(async ([args, re], i) => {
    const r = await runCli(['train', '--outdir', path.join(tmp, `bad${i}`), '--backend', 'wasm', ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), re);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }));
});
