/**
 * `stylegan train --arch stylegan3` end to end on 16 real emoji at 8 px (the -cpu cfgs shrunk to
 * 8 channels and 16-d latents): run folder outputs (snapshot, fakes grids, the equivariance
 * metrics of every tick), an exact resume (byte-identical snapshot to a straight run: the
 * metrics leave the network as it was), generate from the snapshot.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './cli.js';
import { readImageRgb } from '../../src/data/grid.js';
import { decodeNetworkSnapshot } from '../../src/io/snapshot.js';

let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-train3-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** 2 steps of batch 4 per 0.008 kimg; step 0 runs the lazy R1. */
const net = (cfg: string) => ['--arch', 'stylegan3', '--cfg', cfg, '--max-images', '16', '--resolution', '8', '--cbase', '64', '--cmax', '8', '--zdim', '16',
  '--batch', '4', '--gamma', '0.01', '--grid', '2x2', '--tick', '0.008', '--snap', '1', '--metrics', 'eqt50k_int,eqt50k_frac'];

// R's exact resume (blur fade) is held in test/training/trainer-stylegan3.test.ts; the CLI path is the same.
for (const cfg of ['stylegan3-t-cpu']) {
  test(`train --arch stylegan3 --cfg ${cfg}: outputs, exact --resume latest, generate from the snapshot`, async () => {
    const run = path.join(tmp, `run-${cfg}`), straight = path.join(tmp, `straight-${cfg}`);
    const [first, whole] = await Promise.all([
      runCli(['train', '--outdir', run, '--kimg', '0.008', ...net(cfg)], 900_000),
      runCli(['train', '--outdir', straight, '--kimg', '0.016', ...net(cfg)], 900_000),
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(whole.code, 0, whole.stderr);
    const files = fs.readdirSync(run);
    for (const f of ['reals.png', 'fakes-init.png', 'fakes-000000.png', 'log.txt', 'config.json', 'stats.jsonl', 'network-snapshot-000000.safetensors']) {
      assert.ok(files.includes(f), `${f} in ${files}`);
    }
    for (const m of ['eqt50k_int', 'eqt50k_frac']) {
      const lines = fs.readFileSync(path.join(run, `metric-${m}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(lines.length >= 1 && lines.every((l) => l.metric === m && Number.isFinite(l.results[m]) && l.num === 64), `${m}: ${JSON.stringify(lines)}`);
    }
    const grid = await readImageRgb(path.join(run, 'fakes-000000.png'));
    assert.deepEqual([grid.width, grid.height], [16, 16]);
    const conf = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'));
    assert.equal(conf.network.arch, 'stylegan3');
    assert.equal(conf.network.synthesis.useRadialFilters, cfg.startsWith('stylegan3-r'));
    assert.deepEqual([conf.training.cfgName, conf.training.lrG, conf.training.lrD, conf.training.r1Gamma], [cfg, 0.0025, 0.002, 0.01]);
    const snap = path.join(run, 'network-snapshot-000000.safetensors');
    const s = decodeNetworkSnapshot(fs.readFileSync(snap), snap);
    assert.equal(s.config.arch, 'stylegan3');
    assert.equal((s.training as { nimg: number }).nimg, 8);

    // Resumed with output flags only: arch, cfg, network and data come from the checkpoint.
    const resumed = await runCli(['train', '--outdir', run, '--resume', 'latest', '--kimg', '0.016', '--tick', '0.008', '--snap', '1', '--grid', '2x2', '--metrics', 'none'], 900_000);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(fs.readFileSync(path.join(run, 'log.txt'), 'utf8'), /Resumed from .*network-snapshot-000000\.safetensors at 0\.008 kimg/);
    const last = fs.readdirSync(run).filter((f) => f.startsWith('network-snapshot-')).sort().at(-1)!;
    assert.ok(fs.readFileSync(path.join(run, last)).equals(fs.readFileSync(path.join(straight, last))), `resumed ${last} differs from the straight run`);
    assert.equal((decodeNetworkSnapshot(fs.readFileSync(path.join(run, last)), last).training as { nimg: number }).nimg, 16);

    const out = path.join(tmp, `gen-${cfg}`);
    const gen = await runCli(['generate', '--network', path.join(run, last), '--seeds', '0-1', '--outdir', out]);
    assert.equal(gen.code, 0, gen.stderr);
    const [a, b] = await Promise.all([readImageRgb(path.join(out, 'seed0000.png')), readImageRgb(path.join(out, 'seed0001.png'))]);
    assert.deepEqual([a.width, a.height], [8, 8]);
    assert.ok(a.data.some((v, i) => v !== b.data[i]), 'different seeds give different images');
  });
}

test('train --metrics eqr50k on another arch, or below 16 px, is a one-line error', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--arch', 'stylegan2', '--metrics', 'eqr50k'], /^stylegan train: error: --metrics eqr50k needs --arch stylegan3 \(it transforms the input of a StyleGAN3 generator\)$/],
    [['--arch', 'stylegan3', '--resolution', '8', '--metrics', 'eqr50k'], /^stylegan train: error: --metrics eqr50k needs a resolution of at least 16 \(NVIDIA's rotation masks leave no pixel below\), got 8$/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(['train', '--outdir', path.join(tmp, 'bad'), '--backend', 'wasm', ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), re);
  }
});
