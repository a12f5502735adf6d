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
    [['--arch', 'stylegan', '--resume', PKL, '--freezed', '1'], /^stylegan train: error: --freezed is for --arch stylegan2, not stylegan$/],
    [['--arch', 'stylegan2', '--resume', path.join(tmp, 'missing.pkl')], /^stylegan train: error: Network file not found: /],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(['train', '--outdir', path.join(tmp, 'bad'), '--backend', 'wasm', '--kimg', '0.004', ...args]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr.trim(), re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

const PKL3 = 'test/fixtures/stylegan3-tiny/t32/network.pkl';
const CONSTANT = /(Filter|\.freqs|\.phases|\.transform)$/, EMA = /(magnitudeEma|wAvg|w_avg)$/;
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

test('train --arch stylegan3 --resume NET.pkl: one step from NVIDIA\'s G, G_ema and D (cfg and gamma from the network, G_ema = lerp from the pickle\'s)', async () => {
  const out = path.join(tmp, 'ft3');
  const r = await runCli(['train', '--arch', 'stylegan3', '--resume', PKL3, '--max-images', '16', '--batch', '4',
    '--kimg', '0.004', '--tick', '0.004', '--snap', '1', '--grid', '2x2', '--metrics', 'none', '--outdir', out], 600_000);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /note: --gamma not given: using 0\.03125 for 32 px/);
  assert.match(fs.readFileSync(path.join(out, 'log.txt'), 'utf8'), /Fine-tuning from .*t32\/network\.pkl \(G, G_ema and D; new optimizers, kimg 0\)/);
  const conf = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.deepEqual([conf.training.cfgName, conf.training.emaRampup, conf.network.synthesis.magnitudeEmaBeta], ['stylegan3-t-cpu', null, 0.5 ** (4 / 20000)]);
  const orig = readNetworkFile(PKL3, { full: true });
  assert.equal(conf.network.synthesis.channelMax, (orig.config as { synthesis: { channelMax: number } }).synthesis.channelMax, 'the network is the pickle\'s');
  const snap = path.join(out, 'network-snapshot-000000.safetensors');
  const s = decodeNetworkSnapshot(fs.readFileSync(snap), snap);
  assert.equal((s.training as { nimg: number }).nimg, 4);
  const G0 = orig.modules.G!, E0 = orig.modules.G_ema!, G1 = s.modules.G!, E1 = s.modules.G_ema!;
  assert.deepEqual(Object.keys(G1).sort(), Object.keys(G0).sort());
  // One Adam step moves each trainable value by at most lr (0.0025), and some by about that much.
  const beta = 0.5 ** (4 / (conf.training.emaKimg * 1000));
  let moved = 0;
  for (const k of Object.keys(G0)) {
    const g0 = G0[k].data as Float32Array, g1 = G1[k].data as Float32Array, e0 = E0[k].data as Float32Array, e1 = E1[k].data as Float32Array;
    if (CONSTANT.test(k)) { assert.equal(maxDiff(g0, g1), 0, k); assert.equal(maxDiff(e0, e1), 0, k); continue; }
    if (EMA.test(k)) continue;
    const d = maxDiff(g0, g1);
    assert.ok(d <= 0.00251, `${k} moved by ${d}`);
    moved = Math.max(moved, d);
    // G_ema after the step: lerp(G, G_ema before, beta), G_ema before = the pickle's.
    // Within float32 rounding (the fixture's mapping weights reach ~150).
    for (let i = 0; i < g1.length; i++) {
      const want = g1[i] + (e0[i] - g1[i]) * beta;
      assert.ok(Math.abs(e1[i] - want) <= 1e-6 + 2e-7 * (Math.abs(e0[i]) + Math.abs(g1[i])), `${k}[${i}]: G_ema ${e1[i]}, the EMA from the pickle's gives ${want}`);
    }
  }
  assert.ok(moved > 0.002, `G moved by at most ${moved}`);
  const dMoved = Math.max(...Object.keys(orig.modules.D!).map((k) => maxDiff(orig.modules.D![k].data as Float32Array, s.modules.D![k].data as Float32Array)));
  assert.ok(dMoved > 0 && dMoved < 0.01, `D moved by ${dMoved}`);
});

test('train --arch stylegan3 --resume NET.pkl: another kind, shape flags, resolution and arch mismatches are one-line errors', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--arch', 'stylegan3', '--resume', PKL3, '--cfg', 'stylegan3-r-cpu'], /^stylegan train: error: .*t32\/network\.pkl: a stylegan3-t network, but --cfg is stylegan3-r-cpu$/],
    [['--arch', 'stylegan3', '--resume', PKL3, '--cbase', '64'], /^stylegan train: error: --cbase does not apply when fine-tuning .*t32\/network\.pkl: the network's shape is the pickle's$/],
    [['--arch', 'stylegan3', '--resume', PKL3, '--resolution', '64'], /^stylegan train: error: .*t32\/network\.pkl: the network is 32 px, but --resolution is 64$/],
    [['--arch', 'stylegan2', '--resume', PKL3], /^stylegan train: error: .*t32\/network\.pkl: a 'stylegan3' network cannot be fine-tuned by --arch stylegan2$/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(['train', '--outdir', path.join(tmp, 'bad3'), '--backend', 'wasm', '--kimg', '0.004', ...args]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr.trim(), re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
