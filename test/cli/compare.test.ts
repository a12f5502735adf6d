/**
 * `stylegan compare` end to end on 32 emoji at 16 px with two fast archs (gan, vae) and a tiny
 * budget: the table's layout and rows (StyleGAN-XL with its published figure only), table.json
 * with each arch's SWD curve points, samples.png, curves.png; a second run resumes (trains and
 * evaluates nothing again); bad budgets and archs are one-line errors. (FID and KID with
 * --inception are not run here: FID's matrix square root of a 2048 x 2048 covariance takes
 * minutes on 2 cores; test/metrics/cli.test.ts runs kid50k_full with stand-in weights.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './cli.js';
import { readImageRgb } from '../../src/data/grid.js';

let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-compare-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ARGS = ['--resolution', '16', '--archs', 'gan,vae', '--kimg', '0.1', '--tick', '0.05', '--num', '32', '--max-images', '32', '--backend', 'wasm'];

test('compare: table.md, table.json, samples.png, curves.png; a second run resumes', async () => {
  const out = path.join(tmp, 'cmp');
  const r = await runCli(['compare', '--outdir', out, ...ARGS], 300_000);
  assert.equal(r.code, 0, r.stderr);
  const md = fs.readFileSync(path.join(out, 'table.md'), 'utf8').split('\n');
  assert.match(md[0], /^\| # \| Architecture \| FID \| KID x1e3 \| SWD x1e3 \| kimg \| img\/s \| train min \| G params \| D params \| source FID \|$/);
  assert.match(md[2], /^\| 1 \| gan \| — \| — \| \d+\.\d\d \| 0\.13 \| [\d.]+ \| [\d.]+ \| 1,493,632 \| 525,313 \| 198 \|$/);
  assert.match(md[3], /^\| 2 \| vae \| — \| — \| \d+\.\d\d \| 0\.13 \| [\d.]+ \| [\d.]+ \| 640,008 \| 0 \| 327 \|$/);
  assert.match(md[4], /^\| 3 \| stylegan-xl \(not trained here\) \| 22 \(published\) \|( — \|){7} 22 \|$/);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'table.json'), 'utf8'));
  assert.deepEqual(json.rows.map((x: { arch: string; status: string }) => `${x.arch}:${x.status}`), ['gan:trained', 'vae:trained', 'stylegan-xl:not trained here']);
  assert.equal(json.rows[2].fid, null, 'no made-up number for StyleGAN-XL');
  const gan = json.rows[0];
  assert.ok(gan.swd > 0 && gan.kimg === 0.128 && gan.imgPerSec > 0, JSON.stringify(gan));
  const samples = await readImageRgb(path.join(out, 'samples.png'));
  assert.equal(samples.height, 4 + 3 * (64 + 4), '3 rows of 64 px cells');
  assert.ok(fs.statSync(path.join(out, 'curves.png')).size > 1000);
  // Training-time SWD every tick (gan: 2 ticks of 0.064 kimg; vae, batch 128: 1 tick), each a point of
  // the arch's curve in training order, the last at the end of training.
  for (const [row, ticks] of [[json.rows[0], 2], [json.rows[1], 1]]) {
    assert.equal(fs.readFileSync(path.join(out, row.arch, 'metric-swd.jsonl'), 'utf8').trim().split('\n').length, ticks);
    const c = row.swdCurve as Array<[number, number]>;
    assert.equal(c.length, ticks, `${row.arch}: ${JSON.stringify(c)}`);
    assert.ok(c[0][0] > 0 && c.every(([m, v], i) => v > 0 && (i === 0 || m > c[i - 1][0])), `${row.arch}: ${JSON.stringify(c)}`);
    assert.ok(Math.abs(c.at(-1)![0] - row.trainMinutes) < 1e-9, `${row.arch}: ${JSON.stringify(c)}`);
  }

  const again = await runCli(['compare', '--outdir', out, ...ARGS], 300_000);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /gan: already trained/);
  assert.match(again.stderr, /vae: metrics from /);
  assert.doesNotMatch(again.stderr, /tick \d/);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'table.json'), 'utf8')).rows, json.rows);
});

test('compare: one-line errors for the budget, the archs and the resolution', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--kimg', '1', '--minutes', '2'], /^stylegan compare: error: compare: give the budget as --minutes N or --kimg N \(one of them\)$/m],
    [['--kimg', '1', '--archs', 'gan,stylegan4'], /^stylegan compare: error: --archs: unknown arch 'stylegan4' \(available: gan, aae, vae, dcgan, wgan, wgan-gp, lsgan, dragan, began, stylegan, stylegan2, stylegan3\)$/m],
    [['--kimg', '1', '--resolution', '8'], /^stylegan compare: error: --resolution must be a power of two >= 16, got 8$|--resolution must be >= 16/m],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(['compare', '--outdir', path.join(tmp, 'bad'), ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
  }
});
