/**
 * NVIDIA's 2019 TF StyleGAN pickle through the CLI, on the tiny fixture (128 px): generate
 * matches the reference PNGs that NVIDIA's code wrote (within 1 level per channel: float
 * rounding at the uint8 cut), and convert -> generate gives the same PNGs as the pickle.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, ROOT } from './cli.js';
import { readImageRgb } from '../../src/data/grid.js';
import { decodeSnapshot } from '../../src/io/snapshot.js';

const FIXTURE = path.join(ROOT, 'test/fixtures/stylegan-tf-tiny');
const PKL = path.join(FIXTURE, 'network.pkl');
const SEEDS = [0, 1, 2, 3];
const name = (s: number) => `seed${String(s).padStart(4, '0')}.png`;

let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-pkl-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const generate = (network: string, outdir: string, trunc: string[]) =>
  runCli(['generate', '--network', network, '--seeds', '0-3', ...trunc, '--noise-mode', 'const', '--outdir', outdir, '--backend', 'wasm']);

async function maxLevelDiff(file: string, ref: string): Promise<number> {
  const [a, b] = await Promise.all([readImageRgb(file), readImageRgb(ref)]);
  assert.deepEqual([a.width, a.height], [b.width, b.height], file);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

test('generate --network network.pkl matches the reference PNGs (psi 0.7 cutoff 8, and psi 1); convert gives the same images', async () => {
  const psi07 = ['--trunc', '0.7', '--trunc-cutoff', '8'];
  const ckpt = path.join(tmp, 'tiny.safetensors');
  const ada = path.join(tmp, 'ada.safetensors');
  const [a, b, conv, convAda] = await Promise.all([
    generate(PKL, path.join(tmp, 'pkl-0.7'), psi07),
    generate(PKL, path.join(tmp, 'pkl-1.0'), []), // psi 1 by default, not the pickle's truncation_psi 0.7
    runCli(['convert', PKL, ckpt]),
    runCli(['convert', path.join(ROOT, 'test/fixtures/stylegan2-ada-tiny/network.pkl'), ada]),
  ]);
  for (const r of [a, b, conv, convAda]) assert.equal(r.code, 0, r.stderr);
  // The same command takes stylegan2-ada-pytorch pickles (through the same dispatch as generate).
  assert.match(convAda.stdout, /^Wrote .*ada\.safetensors: G_ema, G, D at 32x32\n$/);
  assert.equal(convAda.stderr, '');
  for (const [dir, psi] of [['pkl-0.7', '0.7'], ['pkl-1.0', '1.0']]) {
    for (const s of SEEDS) {
      const d = await maxLevelDiff(path.join(tmp, dir, name(s)), path.join(FIXTURE, `seed${String(s).padStart(4, '0')}-psi${psi}.png`));
      assert.ok(d <= 1, `seed ${s} psi ${psi}: ${d} levels off the reference`);
    }
  }

  // The fixture's D is partial: converted without it, with a one-line warning; G is complete.
  assert.match(conv.stdout, /^Wrote .*tiny\.safetensors: G_ema, G at 128x128\n$/);
  assert.match(conv.stderr, /^warning: .*network\.pkl: left out D: D does not match a StyleGAN with this config: missing TF variables D\/FromRGB_lod5\/weight, .*\n$/);
  const s = decodeSnapshot(fs.readFileSync(ckpt), ckpt);
  assert.deepEqual(Object.keys(s.modules).sort(), ['G', 'G_ema']);
  assert.equal(s.training, undefined);
  assert.equal(s.config.imgResolution, 128);

  const c = await generate(ckpt, path.join(tmp, 'ckpt-0.7'), psi07);
  assert.equal(c.code, 0, c.stderr);
  for (const f of SEEDS.map(name)) {
    assert.equal(await maxLevelDiff(path.join(tmp, 'ckpt-0.7', f), path.join(tmp, 'pkl-0.7', f)), 0, `${f}: converted checkpoint vs pickle`);
  }
});
