/** What the dashboard reads from a run folder: partial lines, metric formats, grid order. */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRunImage, readRunState } from '../../src/web/run-folder.js';

function runFolder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-runfolder-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const row = (tick: number, kimg: number, timestamp: number) => JSON.stringify({ tick, kimg, res: 8, alpha: 1, lossG: 1, lossD: 1, penalty: 0.1, imgPerSec: 10, secPerKimg: 100, totalSec: tick, timestamp });

test('run folder: stats rows from an offset, a half-written last line skipped, grids in training order', () => {
  const dir = runFolder({
    'stats.jsonl': `${row(1, 4, 100)}\n${row(2, 8, 200)}\n{"tick":3,"ki`,
    'config.json': JSON.stringify({ kimg: 40, network: {} }),
    'fakes-000008.png': '', 'fakes-init.png': '', 'fakes-000004.png': '', 'reals.png': '', 'log.txt': 'a\nb\n',
  });
  const s = readRunState(dir, 1);
  assert.equal(s.statsTotal, 2);
  assert.deepEqual(s.stats.map((r) => r.kimg), [8]);
  assert.equal(s.totalKimg, 40);
  assert.deepEqual(s.fakes.map((f) => f.file), ['fakes-init.png', 'fakes-000004.png', 'fakes-000008.png']);
  assert.equal(s.reals?.file, 'reals.png');
  assert.deepEqual(s.logTail, ['a', 'b']);
  fs.rmSync(dir, { recursive: true });
});

test('run folder: metric lines as {metric, value, kimg}, NVIDIA\'s {results, snapshot_pkl}, and training\'s (by timestamp)', () => {
  const dir = runFolder({
    'stats.jsonl': `${row(1, 4, 100)}\n${row(2, 8, 200)}\n`,
    'metric-fid50k.jsonl': JSON.stringify({ metric: 'fid50k', value: 30.5, kimg: 12 }) + '\n',
    'metric-pr50k3.jsonl': JSON.stringify({ metric: 'pr50k3', results: { precision: 0.6, recall: 0.4 }, snapshot_pkl: 'network-snapshot-000040.pkl' }) + '\n',
    'metric-swd.jsonl': JSON.stringify({ metric: 'swd', results: { swd: 9.5 }, snapshot_pkl: null, timestamp: 201 }) + '\n',
  });
  const s = readRunState(dir);
  assert.deepEqual(s.metrics, {
    fid50k: [{ kimg: 12, value: 30.5 }],
    precision: [{ kimg: 40, value: 0.6 }],
    recall: [{ kimg: 40, value: 0.4 }],
    swd: [{ kimg: 8, value: 9.5 }],
  });
  fs.rmSync(dir, { recursive: true });
});

test('run folder: a missing folder reads as empty; only plain PNG names are served', () => {
  const s = readRunState(path.join(os.tmpdir(), 'stylegan-no-such-run-folder'));
  assert.equal(s.exists, false);
  assert.deepEqual([s.stats, s.fakes, s.config, s.reals], [[], [], null, null]);
  assert.ok(isRunImage('fakes-000004.png'));
  for (const bad of ['../x.png', 'a/b.png', '.hidden.png', 'config.json', 'x.png/..']) assert.ok(!isRunImage(bad), bad);
});
