import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { setup, maxAbsDiff } from '../helpers.js';
import { tinyGenerator } from './tiny-net.js';
import { slerp, lerp, walkSeeds, interpolate } from '../../src/sampling/interpolate.js';
import { generateImages } from '../../src/sampling/generate.js';
import { checkAnimationTarget, tilesToRgb, writeAnimation } from '../../src/data/study-output.js';
import { seedToZ } from '../../src/sampling/rng.js';

before(setup);

const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i], 0);

test('slerp: endpoints are the unit directions, every point has norm 1, the angle grows linearly', () => {
  const a = seedToZ(1, 64), b = seedToZ(2, 64);
  const ua = Array.from(a, (x) => x / norm(a)), ub = Array.from(b, (x) => x / norm(b));
  assert.ok(maxAbsDiff(slerp(a, b, 0), ua) < 1e-12);
  assert.ok(maxAbsDiff(slerp(a, b, 1), ub) < 1e-12);
  const omega = Math.acos(dot(ua, ub));
  for (const t of [0.1, 0.25, 0.5, 0.9]) {
    const p = slerp(a, b, t);
    assert.ok(Math.abs(norm(p) - 1) < 1e-12, `norm at ${t}`);
    assert.ok(Math.abs(Math.acos(Math.min(1, dot(p, ua))) - t * omega) < 1e-9, `angle at ${t}`);
  }
  // Parallel inputs: no NaN.
  assert.ok(maxAbsDiff(slerp([1, 0], [2, 0], 0.5), [1, 0]) < 1e-12);
});

test('lerp: endpoints and midpoint', () => {
  assert.deepEqual(Array.from(lerp([0, 2], [4, 6], 0)), [0, 2]);
  assert.deepEqual(Array.from(lerp([0, 2], [4, 6], 1)), [4, 6]);
  assert.deepEqual(Array.from(lerp([0, 2], [4, 6], 0.5)), [2, 4]);
});

test('walkSeeds splits the seeds into consecutive groups per cell, as gen_video.py', () => {
  assert.deepEqual(walkSeeds([0, 1, 2, 3, 4, 5], 2), [[0, 1, 2], [3, 4, 5]]);
  assert.throws(() => walkSeeds([0, 1, 2], 2), /multiple of the grid cells/);
  assert.throws(() => walkSeeds([0, 1, 2, 3], 4), /at least 2 seeds/);
});

test('interpolation: frame 0 is each walk\'s first seed image, frames change, the loop returns', async () => {
  const G = tinyGenerator();
  const seeds = [3, 8, 5, 9];
  const plain = await generateImages(G, seeds, { noiseMode: 'const' });
  for (const space of ['z', 'w'] as const) {
    const frames: Float32Array[][] = [];
    await interpolate(G, seeds, { space, frames: 8, grid: [2, 1], batch: 3 }, (i, cells) => {
      assert.equal(i, frames.length);
      assert.equal(cells.length, 2);
      frames.push(cells);
    });
    assert.equal(frames.length, 8);
    assert.ok(maxAbsDiff(frames[0][0], plain[0].data) < 1e-4, `${space}: cell 0 starts at seed 3`);
    assert.ok(maxAbsDiff(frames[0][1], plain[2].data) < 1e-4, `${space}: cell 1 starts at seed 5`);
    // Two keyframes over 8 frames: frame 4 is the second keyframe.
    assert.ok(maxAbsDiff(frames[4][0], plain[1].data) < 1e-4, `${space}: frame 4 is seed 8`);
    assert.ok(maxAbsDiff(frames[1][0], frames[0][0]) > 1e-3, `${space}: it moves`);
  }
  G.dispose();
});

test('interpolation writes animated WebP and GIF with one page per frame', async () => {
  const G = tinyGenerator();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-interp-'));
  const frames: Uint8Array[] = [];
  let size = { width: 0, height: 0 };
  // Three keyframes per walk: with two, the loop A -> B -> A repeats frames, which the
  // encoders fold into one longer page.
  await interpolate(G, [0, 1, 2, 3, 4, 5], { frames: 7, grid: [2, 1], space: 'w' }, (_, cells) => {
    const g = tilesToRgb(cells, 16, 3, 2);
    size = g;
    frames.push(g.data);
  });
  for (const ext of ['webp', 'gif']) {
    const file = path.join(dir, `walk.${ext}`);
    await writeAnimation(file, frames, size.width, size.height, 20);
    const meta = await sharp(file, { animated: true }).metadata();
    assert.equal(meta.pages, 7, `${ext}: pages`);
    assert.equal(meta.width, 32);
    assert.equal(meta.pageHeight, 16);
  }
  assert.throws(() => checkAnimationTarget(path.join(dir, 'walk.avi')), /unsupported animation format/);
  fs.rmSync(dir, { recursive: true, force: true });
  G.dispose();
});

test('MP4 without ffmpeg on PATH is a clear error', () => {
  const saved = process.env.PATH;
  process.env.PATH = '';
  try {
    assert.throws(() => checkAnimationTarget('walk.mp4'), /needs ffmpeg on PATH/);
  } finally {
    process.env.PATH = saved;
  }
});
