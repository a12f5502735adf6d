/**
 * `stylegan train --aug ada`: p and r_t in stats.jsonl and the log, p in the snapshot and
 * restored by --resume (byte-identical to a straight run), and train.py's flag rules.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './cli.js';
import { decodeNetworkSnapshot } from '../../src/io/snapshot.js';

let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-aug-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** 3 steps of batch 4 per 0.012 kimg; --target 0: r_t >= 0 mostly, so p moves. */
const NET = ['--arch', 'stylegan2', '--cfg', 'cpu', '--max-images', '16', '--resolution', '16', '--cbase', '64', '--cmax', '8', '--zdim', '16',
  '--batch', '4', '--grid', '2x2', '--tick', '0.008', '--snap', '1', '--backend', 'wasm', '--aug', 'ada', '--target', '0', '--augpipe', 'bgc'];

test('train --aug ada: p and r_t in stats.jsonl and log, p in the snapshot, exact --resume', async () => {
  const run = path.join(tmp, 'run'), straight = path.join(tmp, 'straight');
  const [first, whole] = await Promise.all([
    runCli(['train', '--outdir', run, '--kimg', '0.016', ...NET]),
    runCli(['train', '--outdir', straight, '--kimg', '0.032', ...NET]),
  ]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(whole.code, 0, whole.stderr);
  const rows = fs.readFileSync(path.join(straight, 'stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  for (const r of rows) {
    assert.equal(typeof r.augmentP, 'number');
    assert.ok(typeof r.rt === 'number' && r.rt >= -1 && r.rt <= 1, `rt ${r.rt}`);
  }
  // 8 steps: two adjustments of +-4 * 4 / 500000 each, floored at 0.
  const pEnd = rows[rows.length - 1].augmentP;
  assert.ok([0, 3.2e-5, 6.4e-5].some((v) => Math.abs(v - pEnd) < 1e-9), `p ${pEnd}`);
  assert.match(fs.readFileSync(path.join(straight, 'log.txt'), 'utf8'), /augment \d\.\d{3} rt -?\d\.\d{3}/);
  const snap = path.join(straight, 'network-snapshot-000000.safetensors');
  const t = decodeNetworkSnapshot(fs.readFileSync(snap), snap).training as { augment: { p: number }; hyper: { augment: { mode: string; pipe: string } } };
  assert.equal(t.augment.p, pEnd);
  assert.deepEqual([t.hyper.augment.mode, t.hyper.augment.pipe], ['ada', 'bgc']);

  const resumed = await runCli(['train', '--outdir', run, '--resume', 'latest', '--kimg', '0.032', '--tick', '0.008', '--snap', '1', '--grid', '2x2', '--backend', 'wasm']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(fs.readFileSync(path.join(run, 'network-snapshot-000000.safetensors')).equals(fs.readFileSync(snap)), 'resumed snapshot differs from the straight run');

  // --ada-kimg on --resume replaces the run's adjustment speed; the snapshot keeps the new one.
  const faster = await runCli(['train', '--outdir', run, '--resume', 'latest', '--kimg', '0.048', '--ada-kimg', '0.016', '--tick', '0.008', '--snap', '1', '--grid', '2x2', '--backend', 'wasm']);
  assert.equal(faster.code, 0, faster.stderr);
  assert.match(fs.readFileSync(path.join(run, 'log.txt'), 'utf8'), /ADA: p moves by 1 per 0\.016 kimg \(was 500\)/);
  const s2 = path.join(run, 'network-snapshot-000000.safetensors');
  assert.equal((decodeNetworkSnapshot(fs.readFileSync(s2), s2).training as { hyper: { augment: { kimg: number } } }).hyper.augment.kimg, 0.016);
  // Without --aug, StyleGAN2 trains with ADA (NVIDIA's default); --aug noaug turns it off.
  const plain = NET.filter((a, i, all) => !['--aug', '--target', '--augpipe'].includes(a) && !['--aug', '--target', '--augpipe'].includes(all[i - 1]));
  const [byDefault, notAda] = await Promise.all([
    runCli(['train', '--outdir', straight + '-d', '--kimg', '0.008', ...plain]),
    runCli(['train', '--outdir', straight + '-x', '--kimg', '0.008', ...plain, '--aug', 'noaug']),
  ]);
  assert.equal(byDefault.code, 0, byDefault.stderr);
  assert.equal(notAda.code, 0, notAda.stderr);
  const modeOf = (dir: string) => {
    const f = path.join(dir, 'network-snapshot-000000.safetensors');
    return (decodeNetworkSnapshot(fs.readFileSync(f), f).training as { hyper: { augment: { mode: string } } }).hyper.augment.mode;
  };
  assert.deepEqual([modeOf(straight + '-d'), modeOf(straight + '-x')], ['ada', 'noaug']);
  const bad = await runCli(['train', '--outdir', straight + '-x', '--resume', 'latest', '--kimg', '0.016', '--ada-kimg', '10', '--backend', 'wasm']);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr.trim(), /--ada-kimg: .* does not use --aug ada$/);
});

test('train --aug: NVIDIA train.py flag rules, one-line errors', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--aug', 'ada', '--p', '0.2'], /^stylegan train: error: --p can only be given with --aug fixed$/],
    [['--aug', 'fixed'], /^stylegan train: error: --aug fixed needs --p$/],
    [['--aug', 'noaug', '--augpipe', 'bgc'], /^stylegan train: error: --augpipe cannot be given with --aug noaug$/],
    [['--aug', 'fixed', '--p', '0.5', '--target', '0.6'], /^stylegan train: error: --target can only be given with --aug ada$/],
    [['--aug', 'ada', '--augpipe', 'bgcx'], /^stylegan train: error: --augpipe must be one of blit, geom, color, filter, noise, cutout, bg, bgc, bgcf, bgcfn, bgcfnc, got 'bgcx'$/],
    [['--arch', 'stylegan2', '--aug', 'ada', '--augpipe', 'bgcf', '--resolution', '16'], /^stylegan train: error: --augpipe bgcf filters images, which needs D's inputs larger than 21 px \(smallest here: 16\)$/],
    [['--aug', 'fixed', '--p', '1.5'], /^stylegan train: error: --p must be/],
    [['--aug', 'noaug', '--ada-kimg', '10'], /^stylegan train: error: --ada-kimg can only be given with --aug ada \(or on --resume of an ada run\)$/],
    [['--aug', 'ada', '--ada-kimg', '0'], /^stylegan train: error: --ada-kimg must be/],
  ];
  await Promise.all(cases.map(async ([args, re], i) => {
    const r = await runCli(['train', '--outdir', path.join(tmp, `bad${i}`), '--backend', 'wasm', ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), re);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }));
});
