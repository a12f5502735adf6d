/**
 * `train --resume NET.pkl`: fine-tuning an official stylegan2-ada-pytorch pickle (the tiny
 * fixture) on new data as NVIDIA's train.py --resume: a new run from its G, G_ema and D, EMA
 * ramp-up off, ADA over 100 kimg; --freezed N keeps D's first N layers as they were; mismatches
 * are one-line errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './cli.js';
import { decodeNetworkSnapshot } from '../../src/io/snapshot.js';
import { readNetworkFile } from '../../src/cli/network.js';

const PKL = 'test/fixtures/stylegan2-ada-tiny/network.pkl';
let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-ft-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('train --resume NET.pkl --freezed 2: weights from the pickle, frozen D layers unchanged, NVIDIA resume settings', async () => {
  const out = path.join(tmp, 'ft');
  const r = await runCli(['train', '--arch', 'stylegan2', '--resume', PKL, '--freezed', '2', '--aug', 'ada', '--max-images', '16', '--batch', '4',
    '--kimg', '0.008', '--tick', '0.008', '--snap', '1', '--grid', '2x2', '--outdir', out, '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(fs.readFileSync(path.join(out, 'log.txt'), 'utf8'), /Fine-tuning from .*network\.pkl \(G, G_ema and D; new optimizers, kimg 0\)/);
  const conf = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(conf.training.emaRampup, null);
  assert.equal(conf.training.augment.kimg, 100);
  assert.equal(conf.training.freezeD, 2);
  const orig = readNetworkFile(PKL, { full: true });
  const snap = path.join(out, 'network-snapshot-000000.safetensors');
  const s = decodeNetworkSnapshot(fs.readFileSync(snap), snap);
  assert.equal(s.config.imgResolution, orig.config.imgResolution);
  const same = (k: string) => Buffer.from(s.modules.D![k].data.buffer).equals(Buffer.from(orig.modules.D![k].data.buffer));
  // Layers 0 and 1 are the top block's fromrgb and conv0; conv1 and everything below train.
  const top = orig.config.imgResolution;
  assert.ok(same(`b${top}.fromrgb.weight`) && same(`b${top}.conv0.weight`) && same(`b${top}.conv0.bias`), 'frozen layers changed');
  assert.ok(!same(`b${top}.conv1.weight`), 'layer 2 should train');
  assert.ok(!same('b4.out.weight'), 'the epilogue trains');
  assert.equal((s.training as { nimg: number }).nimg, 8);
});

test('train --resume NET.pkl: resolution mismatch and --freezed outside stylegan2 are one-line errors', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--arch', 'stylegan2', '--resume', PKL, '--resolution', '16'], /^stylegan train: error: .*network\.pkl: the network is 32 px, but --resolution is 16$/],
    [['--resume', PKL, '--freezed', '1'], /^stylegan train: error: --freezed is for --arch stylegan2, not stylegan$/],
    [['--arch', 'stylegan2', '--resume', path.join(tmp, 'missing.pkl')], /^stylegan train: error: Network file not found: /],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(['train', '--outdir', path.join(tmp, 'bad'), '--backend', 'wasm', '--kimg', '0.004', ...args]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr.trim(), re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
