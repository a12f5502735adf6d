/**
 * `stylegan train` end to end on 16 real emoji at 16 px with growth from 8 px: outputs, an
 * exact resume (byte-identical snapshot to a straight run), generate from the result, and
 * Ctrl-C. Each run is a few steps of a net of a few thousand parameters (cpu16 shrunk by --cbase/--cmax/--zdim).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, startCli } from './cli.js';
import { readImageRgb } from '../../src/data/grid.js';
import { decodeSnapshot } from '../../src/io/snapshot.js';

let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-train-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** 5 steps of batch 4 per 0.02 kimg: 2 at 8 px, a fade-in to 16 px, then 16 px. */
const NET = ['--max-images', '16', '--resolution', '16', '--preset', 'cpu16', '--cbase', '64', '--cmax', '8', '--zdim', '16', '--batch', '4',
  '--grow-start', '8', '--stab-kimg', '0.008', '--fade-kimg', '0.008', '--grid', '2x2', '--backend', 'wasm'];
const TINY = [...NET, '--tick', '0.01', '--snap', '1'];

type Stats = { tick: number; kimg: number; res: number; alpha: number; lossG: number; lossD: number; imgPerSec: number };
const readStats = (dir: string): Stats[] => fs.readFileSync(path.join(dir, 'stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const snapshots = (dir: string) => fs.readdirSync(dir).filter((f) => /^network-snapshot-\d{6}\.safetensors$/.test(f));

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

test('Ctrl-C (SIGINT) stops after the current step with exit code 0 and a snapshot', async () => {
  const dir = path.join(tmp, 'sigint');
  // No snapshot before the stop (--snap 1000): the loop must notice the signal by itself, not at a file write.
  // --stab-kimg 1: still at 8 px when stopped, for the mid-growth generate below.
  const net = NET.map((a, i) => (NET[i - 1] === '--stab-kimg' ? '1' : a));
  const run = startCli(['train', '--outdir', dir, '--kimg', '10', ...net, '--tick', '0.008', '--snap', '1000']);
  await run.waitForStderr(/^tick 1 /m);
  const t0 = Date.now();
  run.child.kill('SIGINT');
  const r = await Promise.race([run.done, new Promise<null>((resolve) => setTimeout(resolve, 20_000, null))]);
  const secs = (Date.now() - t0) / 1000;
  if (!r) {
    run.child.kill('SIGKILL');
    assert.fail('still training 20 s after SIGINT');
  }
  assert.equal(r.code, 0, r.stderr);
  assert.ok(secs < 15, `took ${secs} s to stop`); // one tiny step, even on a loaded machine
  assert.match(r.stderr, /^Stopped at 0\.\d+ kimg; snapshot .*network-snapshot-000000\.safetensors\. Continue with --resume latest\.$/m);
  assert.equal(snapshots(dir).length, 1);
  const snap = path.join(dir, snapshots(dir)[0]);
  const nimg = (decodeSnapshot(fs.readFileSync(snap), snap).training as { nimg: number }).nimg;
  assert.ok(nimg >= 8 && nimg < 1000, `nimg ${nimg}`);

  // generate from this mid-growth snapshot shows what its fakes grid shows (seed 123 = the grid's first latent).
  const out = path.join(tmp, 'gen-mid');
  const gen = await runCli(['generate', '--network', snap, '--seeds', '123', '--outdir', out, '--backend', 'wasm']);
  assert.equal(gen.code, 0, gen.stderr);
  assert.match(gen.stderr, /^note: .* was saved mid-growth: images at 8 px, upsampled to 16 px\n$/);
  const [img, grid] = await Promise.all([readImageRgb(path.join(out, 'seed0123.png')), readImageRgb(path.join(dir, 'fakes-000000.png'))]);
  const tile = new Uint8Array(16 * 16 * 3);
  for (let y = 0; y < 16; y++) tile.set(grid.data.subarray(y * grid.width * 3, (y * grid.width + 16) * 3), y * 48);
  assert.deepEqual(img.data, tile);
});
