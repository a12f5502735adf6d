// Smoke tests of the study commands through the real entry point, on a tiny checkpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { setup } from '../helpers.js';
import { tinyGenerator, writeTinyCheckpoint } from './tiny-net.js';
import { parseNpz } from '../../src/io/npy.js';
import { cliArgs } from '../cli-entry.js';

const run = promisify(execFile);
let net = '';
let dir = '';

/** Runs `stylegan args`; resolves with exit code and output (never rejects on a nonzero exit). */
async function stylegan(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [...cliArgs(), ...args, '--backend', 'wasm'], { env, timeout: 60000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

async function size(file: string): Promise<[number, number]> {
  const m = await sharp(file).metadata();
  return [m.width, m.height];
}

before(async () => {
  await setup();
  const G = tinyGenerator();
  net = writeTinyCheckpoint(G);
  G.dispose();
  dir = path.dirname(net);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('stylegan mix writes grid.png with source row/column and ROW-COL.png per cell', async () => {
  const out = path.join(dir, 'mix');
  const r = await stylegan(['mix', '--network', net, '--rows', '85,100,75', '--cols', '55,821', '--styles', 'coarse', '--outdir', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await size(path.join(out, 'grid.png')), [3 * 16, 4 * 16]);
  for (const row of [85, 100, 75]) for (const col of [55, 821]) assert.ok(fs.existsSync(path.join(out, `${row}-${col}.png`)));
  // Top-left tile is blank.
  const { data } = await sharp(path.join(out, 'grid.png')).extract({ left: 0, top: 0, width: 16, height: 16 }).raw().toBuffer({ resolveWithObject: true });
  assert.equal(Math.max(...data), 0);
  const bad = await stylegan(['mix', '--network', net, '--rows', '1', '--cols', '2', '--styles', '0-9', '--outdir', out]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /out of range; this network has 6 styles/);
});

test('stylegan truncation writes one seeds x psi grid', async () => {
  const out = path.join(dir, 'trunc');
  const r = await stylegan(['truncation', '--network', net, '--seeds', '0-2', '--psi', '-1,-0.5,0,0.5,0.7,1', '--outdir', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await size(path.join(out, 'grid.png')), [6 * 16, 3 * 16]);
});

test('stylegan noise writes samples, std and the four layer variants', async () => {
  const out = path.join(dir, 'noise');
  const r = await stylegan(['noise', '--network', net, '--seed', '3', '--samples', '20', '--outdir', out]);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['samples.png', 'std.png', 'noise-all.png', 'noise-none.png', 'noise-fine.png', 'noise-coarse.png']) {
    assert.ok(fs.existsSync(path.join(out, f)), f);
  }
  assert.deepEqual(await size(path.join(out, 'samples.png')), [8 * 16, 16]);
});

test('stylegan interpolate writes an animated WebP with --frames pages; MP4 without ffmpeg is a clear error', async () => {
  const file = path.join(dir, 'walk.webp');
  const r = await stylegan(['interpolate', '--network', net, '--seeds', '0-5', '--grid', '2x1', '--space', 'w', '--frames', '9', '--out', file]);
  assert.equal(r.code, 0, r.stderr);
  const m = await sharp(file, { animated: true }).metadata();
  assert.equal(m.pages, 9);
  assert.equal(m.width, 32);
  const mp4 = await stylegan(['interpolate', '--network', net, '--seeds', '0,1', '--out', path.join(dir, 'walk.mp4')], { ...process.env, PATH: '' });
  assert.equal(mp4.code, 2);
  assert.match(mp4.stderr, /needs ffmpeg on PATH/);
  const odd = await stylegan(['interpolate', '--network', net, '--seeds', '0-2', '--grid', '2x1', '--out', file]);
  assert.equal(odd.code, 2);
  assert.match(odd.stderr, /multiple of the grid cells/);
});

test('stylegan project writes target, proj, projected_w.npz and proj.webp, and prints the final PSNR', async () => {
  const out = path.join(dir, 'proj');
  const target = path.join(dir, 'mix', '85-55.png');
  const r = await stylegan(['project', '--network', net, '--target', target, '--num-steps', '60', '--frames', '6', '--outdir', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /discriminator features/);
  assert.match(r.stdout, /Final PSNR \d+\.\d\d dB, distance \d+\.\d+/);
  assert.deepEqual(await size(path.join(out, 'proj.png')), [16, 16]);
  assert.deepEqual(await size(path.join(out, 'target.png')), [16, 16]);
  const npz = parseNpz(fs.readFileSync(path.join(out, 'projected_w.npz')));
  assert.deepEqual(npz.w.shape, [1, 6, 16]);
  assert.equal(npz.w.dtype, '<f4');
  const m = await sharp(path.join(out, 'proj.webp'), { animated: true }).metadata();
  assert.equal(m.width, 32);
  assert.ok((m.pages ?? 0) >= 2);
  const missing = await stylegan(['project', '--network', net, '--target', target, '--vgg16', 'nope.npz', '--outdir', out]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--vgg16: file not found/);
});

test('stylegan project --vgg16 FILE projects with LPIPS (the weights file metrics uses)', async () => {
  const { Vgg16 } = await import('../../src/metrics/vgg16.js');
  const { HashWeights } = await import('../metrics/hash-weights.js');
  const { encodeSafetensors } = await import('../../src/io/safetensors.js');
  const hw = new HashWeights();
  new Vgg16(hw, 'hash').dispose(); // asks for every tensor LPIPS needs
  const weights = path.join(dir, 'vgg16-lpips.safetensors');
  fs.writeFileSync(weights, encodeSafetensors(Object.fromEntries([...hw.made].map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: t.data }]))));
  const out = path.join(dir, 'proj-lpips');
  const r = await stylegan(['project', '--network', net, '--target', path.join(dir, 'mix', '85-55.png'), '--num-steps', '5', '--frames', '2', '--vgg16', weights, '--outdir', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /distance: LPIPS \(VGG16\)/);
  assert.match(r.stdout, /Final PSNR .* \(LPIPS \(VGG16\)\)/);
  assert.ok(fs.existsSync(path.join(out, 'projected_w.npz')));
});
