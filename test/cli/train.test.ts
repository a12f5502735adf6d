/**
 * `stylegan train` end to end on 16 real emoji at 16 px with growth from 8 px: outputs, an
 * exact resume (byte-identical snapshot to a straight run), generate from the result.
 * Each run is a few steps of a net of a few thousand parameters (TINY_NET in cli.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, TINY_NET as NET } from './cli.js';
import { readImageRgb } from '../../src/data/grid.js';
import { decodeSnapshot } from '../../src/io/snapshot.js';

let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-train-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** 5 steps of batch 4 per 0.02 kimg: 2 at 8 px, a fade-in to 16 px, then 16 px. */
const TINY = [...NET, '--tick', '0.01', '--snap', '1'];

type Stats = { tick: number; kimg: number; res: number; alpha: number; lossG: number; lossD: number; imgPerSec: number };
const snapshots = (dir: string) => fs.readdirSync(dir).filter((f) => /^network-snapshot-\d{6}\.safetensors$/.test(f));
const readStats = (dir: string): Stats[] => fs.readFileSync(path.join(dir, 'stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

test('train writes snapshots, grids and stats; --resume latest continues exactly; generate reads the result', async () => {
  const run = path.join(tmp, 'run'), straight = path.join(tmp, 'straight');
  const [first, whole] = await Promise.all([
    runCli(['train', '--outdir', run, '--kimg', '0.02', ...TINY]),
    runCli(['train', '--outdir', straight, '--kimg', '0.04', ...TINY]),
  ]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(whole.code, 0, whole.stderr);
  assert.match(first.stdout, /^Done at 0\.020 kimg on wasm: .*network-snapshot-000000\.safetensors\n$/);

  const files = fs.readdirSync(run);
  for (const f of ['reals.png', 'fakes-init.png', 'log.txt', 'config.json', 'stats.jsonl']) assert.ok(files.includes(f), `${f} in ${files}`);
  assert.ok(snapshots(run).length >= 1 && files.some((f) => /^fakes-\d{6}\.png$/.test(f)), `${files}`);
  assert.ok(!files.some((f) => f.endsWith('.tmp')), 'no temp files left');
  const reals = await readImageRgb(path.join(run, 'reals.png'));
  assert.deepEqual([reals.width, reals.height], [32, 32], '2x2 grid of 16 px');
  const stats = readStats(run);
  assert.deepEqual(stats.map((s) => s.kimg), [0.012, 0.02]);
  for (const s of stats) {
    for (const k of ['lossG', 'lossD', 'imgPerSec'] as const) assert.ok(Number.isFinite(s[k]), `${k} = ${s[k]}`);
    assert.ok(s.imgPerSec > 0);
  }
  assert.deepEqual(stats.map((s) => [s.res, s.alpha]), [[16, 0.5], [16, 1]], 'growth: mid-fade at the first tick, grown at the second');
  const log = fs.readFileSync(path.join(run, 'log.txt'), 'utf8');
  assert.match(log, /^Data: 16 images from .* at 16x16$/m);
  assert.match(log, /^tick 1 kimg 0\.0 res 16 \(fade 0\.50\) lossG \d/m);

  // Only output flags: network, schedule, batch and data options (16 images) come from the checkpoint.
  const resumed = await runCli(['train', '--outdir', run, '--resume', 'latest', '--kimg', '0.04', '--tick', '0.01', '--snap', '1', '--grid', '2x2', '--backend', 'wasm']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(fs.readFileSync(path.join(run, 'log.txt'), 'utf8'), /^Resumed from .*network-snapshot-000000\.safetensors at 0\.020 kimg$/m);
  assert.deepEqual(readStats(run).map((s) => s.kimg), [0.012, 0.02, 0.032, 0.04], 'the kimg counter continues');
  const snap = path.join(run, 'network-snapshot-000000.safetensors');
  const s = decodeSnapshot(fs.readFileSync(snap), snap);
  assert.equal((s.training as { nimg: number }).nimg, 40);
  // Same seed, same data: 0.02 + 0.02 kimg resumed is the 0.04 kimg run, byte for byte.
  assert.ok(fs.readFileSync(snap).equals(fs.readFileSync(path.join(straight, 'network-snapshot-000000.safetensors'))), 'resumed snapshot differs from the straight run');

  const out = path.join(tmp, 'gen');
  const gen = await runCli(['generate', '--network', snap, '--seeds', '0-3', '--trunc', '0.7', '--outdir', out, '--backend', 'wasm']);
  assert.equal(gen.code, 0, gen.stderr);
  assert.equal(gen.stderr, '', 'a fully grown snapshot: no note');
  assert.deepEqual(fs.readdirSync(out).sort(), ['seed0000.png', 'seed0001.png', 'seed0002.png', 'seed0003.png']);
  const img = await readImageRgb(path.join(out, 'seed0002.png'));
  assert.deepEqual([img.width, img.height], [16, 16]);
  const other = await readImageRgb(path.join(out, 'seed0003.png'));
  assert.ok(img.data.some((v, i) => v !== other.data[i]), 'different seeds give different images');
});
