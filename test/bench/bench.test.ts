import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import type { BenchResult } from '../../src/bench/run.js';
import { loadNativeAddon } from '../../src/backend/native-addon.js';

// The benchmark is not a timed test: CI only checks that `stylegan bench --quick` runs and
// reports every section for each backend, including the native one (CI builds it).
test('stylegan bench --quick prints the tables and writes the JSON', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-bench-'));
  const file = path.join(dir, 'bench.json');
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
  let code: number;
  try {
    code = await main(['bench', '--quick', '--backends', 'native,wasm', '--json', file]);
  } finally {
    console.log = log;
  }
  assert.equal(code, 0, lines.join('\n'));
  const text = lines.join('\n');
  for (const heading of ['sgemm peak', 'Generation', 'Training', 'Conv kernels']) assert.match(text, new RegExp(heading));
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResult;
  assert.deepEqual(r.backends.map((b) => b.backend), ['native', 'wasm']);
  assert.ok(r.sgemm && r.sgemm.gflops > 0);
  for (const b of r.backends) {
    assert.ok(b.generation.length > 0 && b.generation.every((g) => g.imagesPerSec > 0));
    assert.deepEqual([...new Set(b.training.map((t) => t.arch))], ['stylegan', 'stylegan2', 'stylegan3']);
    assert.deepEqual(b.training.filter((t) => t.arch === 'stylegan3').map((t) => t.preset), ['sg3t-16', 'sg3r-16']);
    assert.deepEqual(b.generation.filter((g) => g.arch === 'stylegan3').map((g) => g.preset), ['sg3t-16', 'sg3r-16']);
    assert.ok(b.training.length > 0 && b.training.every((t) => t.imagesPerSec > 0));
    assert.ok(b.convSummary.every((c) => c.gflops > 0 && c.percentOfPeak !== null));
  }
  // filtered_lrelu rows where the fused kernel exists (an addon built from these sources).
  const fused = typeof loadNativeAddon().addon?.filteredLrelu === 'function';
  const fl = r.backends.find((b) => b.backend === 'native')!.filteredLrelu;
  assert.equal(fl.length > 0, fused);
  assert.ok(fl.every((l) => l.fusedMs > 0 && l.compositeMs > 0 && l.fusedGradMs > 0 && l.compositeGradMs > 0));
  if (fused) assert.match(text, /filtered_lrelu/);
  // startup: one fresh `stylegan generate` process with its phase marks.
  assert.match(text, /Start-up: whole-process generate/);
  assert.equal(r.startup?.ours.length, 1);
  for (const k of ['modules', 'backend', 'network', 'first', 'all']) assert.ok(r.startup!.ours[0].marks[k]?.wall > 0, `mark ${k}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('stylegan bench rejects an unknown backend', async () => {
  const err = console.error;
  let msg = '';
  console.error = (...a: unknown[]) => { msg += a.join(' '); };
  try {
    assert.equal(await main(['bench', '--backends', 'gpu']), 2);
  } finally {
    console.error = err;
  }
  assert.match(msg, /--backends/);
});
