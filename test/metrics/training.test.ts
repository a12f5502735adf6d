/** `stylegan train --metrics swd --metrics-every N`: SWD lines in the run folder while training. */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../cli/cli.js';

const NET = ['--arch', 'stylegan', '--max-images', '32', '--resolution', '16', '--preset', 'cpu16', '--cbase', '64', '--cmax', '8', '--zdim', '16', '--batch', '4',
  '--grow', 'off', '--backend', 'wasm'];

test('train --metrics swd appends metric-swd.jsonl on every snapshot (--metrics-every defaults to --snap) and at the end', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-train-metrics-'));
  try {
    // 5 ticks, snapshots at ticks 2 and 4 and the last one: as NVIDIA's training loop, metrics with each.
    const r = await runCli(['train', '--outdir', dir, '--kimg', '0.020', '--tick', '0.004', '--snap', '2', '--metrics', 'swd', ...NET], 300_000);
    assert.equal(r.code, 0, r.stderr);
    const lines = fs.readFileSync(path.join(dir, 'metric-swd.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 3, JSON.stringify(lines));
    for (const l of lines) {
      assert.equal(l.metric, 'swd');
      assert.equal(l.num, 32);
      assert.ok(l.results.swd > 0 && l.results.swd === l.results.swd_16);
      assert.match(l.snapshot_pkl, /^network-snapshot-\d{6}\.safetensors$/);
    }
    assert.match(r.stderr, /swd \d+\.\d{4} at kimg/);
    // stylegan metrics defaults --data to the run's training data (here the bundled emoji set).
    const snap = path.join(dir, lines[1].snapshot_pkl);
    const m = await runCli(['metrics', '--network', snap, '--metrics', 'swd', '--num', '16', '--backend', 'wasm'], 300_000);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stderr, /Loading images from .*emoji-datasource-twitter.* at 16x16/);
    assert.match(m.stdout, /^swd \d/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('train --metrics rejects metrics that need weights, in one line', async () => {
  const r = await runCli(['train', '--outdir', path.join(os.tmpdir(), 'never-created'), '--metrics', 'fid50k_full', ...NET]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /'fid50k_full' cannot run during training \(available: swd/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
