/**
 * Bad input to the CLI: every case exits non-zero with exactly one stderr line that names the
 * problem (no stack trace). All cases run as parallel child processes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './cli.js';
import { encodeSnapshot } from '../../src/io/snapshot.js';
import { tinyConfig } from '../helpers.js';

let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-errors-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('bad flags, seeds, numbers, files and data sets: exit code != 0 and one stderr line naming the problem', async () => {
  const out = path.join(tmp, 'out');
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);
  // A valid checkpoint cut in half (an interrupted copy).
  const whole = encodeSnapshot({ config: tinyConfig(), modules: { G_ema: { w: { shape: [4096], data: new Float32Array(4096) } } } });
  const cut = path.join(tmp, 'cut.safetensors');
  fs.writeFileSync(cut, whole.subarray(0, whole.length >> 1));
  const notNet = path.join(tmp, 'dict.pkl');
  fs.writeFileSync(notNet, Uint8Array.from([0x80, 2, 0x7d, 0x71, 0, 0x58, 1, 0, 0, 0, 0x61, 0x71, 1, 0x4b, 1, 0x73, 0x2e])); // pickle of {'a': 1}
  const gen = (...a: string[]) => ['generate', '--outdir', out, '--backend', 'wasm', ...a];
  let runs = 0;
  const train = (...a: string[]) => ['train', '--outdir', path.join(tmp, `run${runs++}`), '--backend', 'wasm', '--kimg', '0.004', ...a];

  const cases: Array<[string[], RegExp]> = [
    [train('--bogus'), /^stylegan train: error: train: Unknown option '--bogus'/],
    [gen('--network', cut, '--seeds', '5-2'), /^stylegan generate: error: --seeds: range '5-2' ends before it starts$/],
    [gen('--network', cut, '--seeds', 'a'), /^stylegan generate: error: --seeds: 'a' is not a seed or a range like 0-7$/],
    [gen('--network', cut, '--seeds', '0', '--trunc', 'nan'), /^stylegan generate: error: --trunc must be a number, got 'nan'$/],
    [gen('--network', path.join(tmp, 'missing.safetensors'), '--seeds', '0'), /^stylegan generate: error: Network file not found: .*missing\.safetensors$/],
    [gen('--network', cut, '--seeds', '0'), /^stylegan generate: error: .*cut\.safetensors: .*(truncated|out of range)/],
    [gen('--network', notNet, '--seeds', '0'), /^stylegan generate: error: .*dict\.pkl/],
    [train('--data', path.join(tmp, 'nope')), /^stylegan train: error: Dataset not found: .*nope$/],
    [train('--data', empty), /^stylegan train: error: No images found in .*empty/],
    [train('--arch', 'stylegan', '--resolution', '16', '--grow-start', '12'), /^stylegan train: error: --grow-start must be a power of two, got 12$/],
    [['convert', notNet], /^stylegan convert: error: convert: expected IN\.pkl OUT\.safetensors or IN\.safetensors OUT\.pkl, got 1 argument/],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(args, 60_000)));
  results.forEach((r, i) => {
    const [args, re] = cases[i];
    const what = `stylegan ${args.join(' ')}`;
    assert.notEqual(r.code, 0, `${what}: exit code`);
    assert.notEqual(r.code, null, `${what}: killed (${r.signal})`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${what}: one stderr line, got:\n${r.stderr}`);
    assert.match(lines[0], re, what);
  });
});
