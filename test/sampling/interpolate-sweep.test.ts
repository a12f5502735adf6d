/**
 * `interpolate --translate-sweep / --rotate-sweep` (StyleGAN3's equivariance videos) on the t32
 * fixture: with one seed, the first frame is NVIDIA's untransformed image of that seed, the last
 * is NVIDIA's `gen_images.py --translate 0.3,0.1 --rotate 30` image, the middle frame is
 * `generate --translate 0.15,0.05 --rotate 15`; the transform is restored; during a walk the
 * latents move as without a sweep; the CLI writes the animation and refuses other archs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { setup, maxAbsDiff } from '../helpers.js';
import { interpolate, sweepAt } from '../../src/sampling/interpolate.js';
import { generateImages } from '../../src/sampling/generate.js';
import { setTranslateRotate } from '../../src/sampling/input-transform.js';
import { importStyleGAN3 } from '../../src/io/import-stylegan3.js';
import { StyleGAN3Generator } from '../../src/networks/stylegan3/generator.js';
import { parseNpy } from '../../src/io/npy.js';
import { runCli } from '../cli/cli.js';

const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/stylegan3-tiny/t32');
let tmp = '';
before(async () => {
  await setup();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-sweep-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function loadT32(): StyleGAN3Generator {
  const imp = importStyleGAN3(Uint8Array.from(fs.readFileSync(path.join(dir, 'network.pkl'))), 't32');
  const G = new StyleGAN3Generator(imp.config);
  G.store.loadRaw(imp.G_ema, 'G_ema');
  return G;
}
/** NVIDIA's [3, 32, 32] npy as NHWC. */
function official(file: string): Float32Array {
  const d = parseNpy(Uint8Array.from(fs.readFileSync(path.join(dir, file))), file).data as Float32Array, o = new Float32Array(d.length);
  for (let c = 0; c < 3; c++) for (let i = 0; i < 32 * 32; i++) o[i * 3 + c] = d[c * 32 * 32 + i];
  return o;
}

test('sweepAt: 0 at the first frame, 1 at the last', () => {
  assert.deepEqual([0, 1, 2, 3, 4].map((f) => sweepAt(f, 5)), [0, 0.25, 0.5, 0.75, 1]);
  assert.equal(sweepAt(0, 1), 0);
});

test('a one-seed sweep: frame 0 = the untransformed image, the last = gen_images.py --translate 0.3,0.1 --rotate 30, between = generate at t', async () => {
  const G = loadT32();
  const frames: Float32Array[] = [];
  await interpolate(G, [0], { frames: 3, sweep: { translate: [0.3, 0.1], rotate: 30 } }, (i, cells) => { frames[i] = cells[0]; });
  assert.equal(frames.length, 3);
  assert.ok(maxAbsDiff(frames[0], official('seed0000-psi1.0.npy')) < 2e-5, `frame 0: ${maxAbsDiff(frames[0], official('seed0000-psi1.0.npy'))}`);
  assert.ok(maxAbsDiff(frames[2], official('seed0000-t0.3,0.1-r30.npy')) < 2e-5, `last frame: ${maxAbsDiff(frames[2], official('seed0000-t0.3,0.1-r30.npy'))}`);
  assert.deepEqual(Array.from(G.synthesis.input.transform.dataSync()), [1, 0, 0, 0, 1, 0, 0, 0, 1], 'the transform is restored');
  setTranslateRotate(G, [0.15, 0.05], 15);
  const [mid] = await generateImages(G, [0]);
  setTranslateRotate(G, [0, 0], 0);
  assert.equal(maxAbsDiff(frames[1], mid.data), 0);
  assert.ok(maxAbsDiff(frames[1], frames[0]) > 0.05 && maxAbsDiff(frames[1], frames[2]) > 0.05, 'the middle frame is neither end');
  G.dispose();
});

test('a sweep during a walk: the latents move as without it (frame 0 the same, later frames transformed)', async () => {
  const G = loadT32();
  const plain: Float32Array[] = [], swept: Float32Array[] = [];
  await interpolate(G, [0, 1], { frames: 4, space: 'w' }, (i, c) => { plain[i] = c[0]; });
  await interpolate(G, [0, 1], { frames: 4, space: 'w', sweep: { translate: [0, 0], rotate: 90 } }, (i, c) => { swept[i] = c[0]; });
  assert.ok(maxAbsDiff(plain[0], swept[0]) < 1e-5); // batches of 8 frames vs 1: float rounding only
  assert.ok(maxAbsDiff(plain[3], swept[3]) > 0.05);
  G.dispose();
});

test('interpolate --rotate-sweep writes the animation; a StyleGAN2 network or a one-seed walk without a sweep is a one-line error', async () => {
  const out = path.join(tmp, 'spin.gif');
  const r = await runCli(['interpolate', '--network', path.join(dir, 'network.pkl'), '--seeds', '0', '--rotate-sweep', '-90', '--translate-sweep', '0.25,0', '--frames', '3', '--out', out, '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /3 frames, 32x32, z-space walk through 1 seeds, sweeping translate to 0\.25,0 rotate to -90 deg/);
  const meta = await sharp(out, { animated: true }).metadata();
  assert.deepEqual([meta.pages, meta.width, meta.pageHeight], [3, 32, 32]);
  const cases: Array<[string[], RegExp]> = [
    [['--network', 'test/fixtures/stylegan2-ada-tiny/network.pkl', '--seeds', '0', '--rotate-sweep', '30'], /^stylegan interpolate: error: interpolate: --translate-sweep \/ --rotate-sweep need a StyleGAN3 or StyleGAN-XL network \(.*network\.pkl is 'stylegan2'\)$/],
    [['--network', path.join(dir, 'network.pkl'), '--seeds', '0'], /at least 2 seeds/],
    [['--network', path.join(dir, 'network.pkl'), '--seeds', '0', '--translate-sweep', '0.3'], /--translate-sweep must look like 0\.3,0\.1/],
  ];
  for (const [args, re] of cases) {
    const e = await runCli(['interpolate', ...args, '--out', path.join(tmp, 'bad.gif'), '--backend', 'wasm']);
    assert.notEqual(e.code, 0);
    assert.match(e.stderr.trim(), re);
    assert.equal(e.stderr.trim().split('\n').length, 1, e.stderr);
  }
});
