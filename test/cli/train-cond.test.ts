/**
 * `train --arch stylegan2 --cond`: class-conditional training on sub-folder labels (a data set
 * made by `stylegan dataset`, so NVIDIA's zip + dataset.json path is the one exercised): the
 * snapshot's network takes the labels (cDim, class names), resumes exactly, and `generate
 * --class NAME` picks a class; the conditional images differ by class for the same seed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './cli.js';
import { defaultDatasetPath } from '../../src/data/dataset.js';
import { decodeNetworkSnapshot } from '../../src/io/snapshot.js';
import { readImageRgb } from '../../src/data/grid.js';

let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-cond-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const NET = ['--arch', 'stylegan2', '--cfg', 'cpu', '--resolution', '16', '--cbase', '64', '--cmax', '8', '--zdim', '16',
  '--batch', '4', '--grid', '2x2', '--tick', '0.008', '--snap', '1', '--backend', 'wasm'];

test('train --cond on sub-folder classes through an NVIDIA-format zip; exact resume; generate --class NAME', async () => {
  const emoji = fs.readdirSync(defaultDatasetPath()).filter((f) => f.endsWith('.png')).sort();
  const src = path.join(tmp, 'src');
  for (const [cls, files] of [['faces', emoji.slice(0, 6)], ['flags', emoji.slice(-6)]] as const) {
    fs.mkdirSync(path.join(src, cls), { recursive: true });
    for (const f of files) fs.copyFileSync(path.join(defaultDatasetPath(), f), path.join(src, cls, f));
  }
  const zip = path.join(tmp, 'data.zip');
  const ds = await runCli(['dataset', '--source', src, '--dest', zip, '--resolution', '16x16', '--transform', 'center-crop']);
  assert.equal(ds.code, 0, ds.stderr);

  const run = path.join(tmp, 'run'), straight = path.join(tmp, 'straight');
  const [first, whole] = await Promise.all([
    runCli(['train', '--outdir', run, '--data', zip, '--cond', '--kimg', '0.012', ...NET]),
    runCli(['train', '--outdir', straight, '--data', zip, '--cond', '--kimg', '0.024', ...NET]),
  ]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(whole.code, 0, whole.stderr);
  assert.match(fs.readFileSync(path.join(run, 'log.txt'), 'utf8'), /Labels: 2 values per image from .*dataset\.json \(classes faces, flags\)/);
  const snap = path.join(straight, 'network-snapshot-000000.safetensors');
  const s = decodeNetworkSnapshot(fs.readFileSync(snap), snap);
  const cfg = s.config as { cDim: number; classNames: string[]; mapping: { embedFeatures: number }; discriminator: { cmapDim: number } };
  assert.equal(cfg.cDim, 2);
  assert.deepEqual(cfg.classNames, ['faces', 'flags']);
  assert.equal(cfg.mapping.embedFeatures, 16);
  assert.ok(cfg.discriminator.cmapDim > 0);
  assert.ok(Object.keys(s.modules.G ?? {}).some((k) => k.includes('embed')), 'G has a label embedding');

  const resumed = await runCli(['train', '--outdir', run, '--resume', 'latest', '--kimg', '0.024', '--tick', '0.008', '--snap', '1', '--grid', '2x2', '--backend', 'wasm']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(fs.readFileSync(path.join(run, 'network-snapshot-000000.safetensors')).equals(fs.readFileSync(snap)), 'resumed snapshot differs from the straight run');

  const outs = ['faces', 'flags'].map((c) => path.join(tmp, `gen-${c}`));
  for (const [i, c] of ['faces', 'flags'].entries()) {
    const g = await runCli(['generate', '--network', snap, '--seeds', '0', '--class', c, '--outdir', outs[i], '--backend', 'wasm']);
    assert.equal(g.code, 0, g.stderr);
  }
  const [a, b] = await Promise.all(outs.map((o) => readImageRgb(path.join(o, 'seed0000.png'))));
  assert.ok(a.data.some((v, i) => v !== b.data[i]), 'the class changes the image');
  const bad = await runCli(['generate', '--network', snap, '--seeds', '0', '--class', 'dogs', '--outdir', path.join(tmp, 'x'), '--backend', 'wasm']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr.trim(), /--class 'dogs' is not one of .*'s classes: faces, flags$/);
  const none = await runCli(['train', '--outdir', path.join(tmp, 'y'), '--arch', 'stylegan', '--cond', '--backend', 'wasm']);
  assert.equal(none.code, 2);
  assert.match(none.stderr.trim(), /^stylegan train: error: --cond is for --arch stylegan2 and stylegan3, not stylegan$/);

  // The SWD monitor runs on conditional networks (fakes get the labels of random training images).
  const swd = fs.readFileSync(path.join(straight, 'metric-swd.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { results: { swd: number } });
  assert.ok(swd.length >= 1 && swd.every((r) => Number.isFinite(r.results.swd) && r.results.swd > 0), 'swd on every tick');
  // mix --class NAME; metrics on the labelled reals.
  const mixed = await runCli(['mix', '--network', snap, '--rows', '0,1', '--cols', '2', '--styles', '0-3', '--class', 'flags', '--outdir', path.join(tmp, 'mix'), '--backend', 'wasm']);
  assert.equal(mixed.code, 0, mixed.stderr);
  assert.ok(fs.existsSync(path.join(tmp, 'mix', 'grid.png')));
  const badMix = await runCli(['mix', '--network', snap, '--rows', '0', '--cols', '1', '--styles', '0-3', '--class', 'dogs', '--outdir', path.join(tmp, 'mix2'), '--backend', 'wasm']);
  assert.equal(badMix.code, 2);
  assert.match(badMix.stderr.trim(), /--class 'dogs' is not one of .*'s classes: faces, flags$/);
  const m = await runCli(['metrics', '--network', snap, '--data', zip, '--metrics', 'swd', '--num', '12', '--backend', 'wasm']);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout + m.stderr, /Labels of random images of .*data\.zip/);
  assert.match(m.stdout, /^swd \d/m);
});
