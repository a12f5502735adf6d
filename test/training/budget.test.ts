/**
 * `train --minutes N`: a wall-clock budget instead of --kimg, counted over the whole run
 * (resume continues the same budget or a new total), the default SWD monitor and --metrics none.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../cli/cli.js';

let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-budget-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const NET = ['--arch', 'stylegan2', '--cfg', 'cpu', '--max-images', '16', '--resolution', '16', '--cbase', '64', '--cmax', '8', '--zdim', '16',
  '--batch', '4', '--grid', '2x2', '--tick', '0.008', '--snap', '1', '--backend', 'wasm'];
type Stats = { kimg: number; trainSec: number };
const stats = (dir: string): Stats[] => fs.readFileSync(path.join(dir, 'stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const config = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));

test('train --minutes stops on a tick once the budget is spent; --resume continues the run\'s budget, then a new total', async () => {
  const dir = path.join(tmp, 'minutes');
  const first = await runCli(['train', '--outdir', dir, '--minutes', '0.05', ...NET], 300_000);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /^Budget: 0\.05 min of training$/m);
  assert.equal(config(dir).minutes, 0.05);
  assert.equal(config(dir).kimg, null);
  const s1 = stats(dir);
  const end1 = s1[s1.length - 1];
  assert.ok(end1.trainSec >= 3, `stopped at ${end1.trainSec} s of a 3 s budget`);
  // It stopped at the first tick past the budget: the tick before was still inside it (stats.jsonl rounds trainSec to 0.1 s, so 2.96 s reads 3).
  if (s1.length > 1) assert.ok(s1[s1.length - 2].trainSec <= 3, JSON.stringify(s1.slice(-2)));
  assert.match(first.stderr, /^tick \d+ kimg [\d.]+ min [\d.]+\/0\.05 res 16/m);
  // The default monitor: SWD on every snapshot (here every tick, --snap 1), 16 images here (all there are).
  const swd = fs.readFileSync(path.join(dir, 'metric-swd.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(swd.length, s1.length, `${swd.length} SWD lines over ${s1.length} ticks`);
  assert.ok(swd.every((l) => /^network-snapshot-\d{6}\.safetensors$/.test(l.snapshot_pkl)), JSON.stringify(swd.map((l) => l.snapshot_pkl)));
  assert.equal(swd[0].num, 16);

  // Resumed without a budget: the run's own (already spent) budget, so nothing more is trained.
  const again = await runCli(['train', '--outdir', dir, '--resume', 'latest', '--backend', 'wasm'], 300_000);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /Budget: 0\.05 min of training \(0\.\d min trained before\)/);
  assert.equal(stats(dir).length, s1.length);

  // A new total: trains until 0.1 min over both sessions, the clock continuing from the first.
  const more = await runCli(['train', '--outdir', dir, '--resume', 'latest', '--minutes', '0.1', '--metrics', 'none', '--backend', 'wasm'], 300_000);
  assert.equal(more.code, 0, more.stderr);
  const s2 = stats(dir);
  assert.ok(s2.length > s1.length);
  assert.ok(s2[s1.length].trainSec > end1.trainSec, 'trainSec continues over the sessions');
  assert.ok(s2[s2.length - 1].trainSec >= 6);
  assert.equal(config(dir).minutes, 0.1);
  assert.equal(fs.readFileSync(path.join(dir, 'metric-swd.jsonl'), 'utf8').trim().split('\n').length, swd.length, '--metrics none adds no SWD lines');
});

test('train --kimg with --minutes stops at whichever comes first', async () => {
  const dir = path.join(tmp, 'both');
  const r = await runCli(['train', '--outdir', dir, '--kimg', '0.016', '--minutes', '60', '--metrics', 'none', ...NET], 300_000);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Budget: 0\.016 kimg or 60 min of training, whichever comes first$/m);
  assert.equal(stats(dir).at(-1)!.kimg, 0.016);
  assert.ok(!fs.existsSync(path.join(dir, 'metric-swd.jsonl')));
});

test('train --minutes and the stylegan2-only flags refuse bad values in one line', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--minutes', '0'], /^stylegan train: error: --minutes must be >= 0\.001, got 0$/],
    [['--minutes', 'ten'], /^stylegan train: error: --minutes must be a number, got 'ten'$/],
    [['--arch', 'stylegan', '--diffaug'], /^stylegan train: error: --diffaug is for --arch stylegan2$/],
    [['--arch', 'stylegan2', '--r1-interval', '0'], /^stylegan train: error: --r1-interval must be >= 1, got 0$/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(['train', '--outdir', path.join(tmp, 'never'), ...args]);
    assert.equal(r.code, 2, `${args}: ${r.stderr}`);
    assert.match(r.stderr.trim(), re);
  }
  assert.ok(!fs.existsSync(path.join(tmp, 'never')));
});
