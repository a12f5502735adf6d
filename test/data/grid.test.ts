import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { toUint8, imageGrid, encodePng, writePng, readImageRgb } from '../../src/data/grid.js';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'grid-test-'));

test('toUint8 matches (x * 127.5 + 128).clamp(0, 255).to(uint8) at boundaries', () => {
  const cases: [number, number][] = [
    [-1, 0], // 0.5 truncates to 0, not rounds to 1
    [1, 255], // 255.5 clamps to 255
    [0, 128],
    [0.5, 191], // 191.75 truncates
    [-0.5, 64], // 64.25
    [-2, 0],
    [2, 255],
    [-1.0039215, 0], // just below 0 before clamping
    [NaN, 0],
    [Infinity, 255],
    [-Infinity, 0],
    // float32 of -127/127.5: float32 math gives exactly 1.0, float64 math gives 0.99999997.
    [-0.9960784316062927, 1],
    [-0.9882352948188782, 2],
  ];
  const out = toUint8(Float32Array.from(cases.map(([x]) => x)));
  assert.deepEqual([...out], cases.map(([, y]) => y));
});

test('toUint8 round-trips every uint8 through v / 127.5 - 1', () => {
  const x = Float32Array.from({ length: 256 }, (_, v) => v / 127.5 - 1);
  const back = toUint8(x);
  // +128 (not +127.5) biases by half a step, so truncation recovers v exactly.
  for (let v = 0; v < 256; v++) assert.equal(back[v], v, `value ${v}`);
});

/** n solid tiles of h x w; tile i has colour [i + 1, 10 * (i + 1), 100]. */
function tiles(n: number, h: number, w: number): Uint8Array {
  const out = new Uint8Array(n * h * w * 3);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < h * w; p++) out.set([i + 1, 10 * (i + 1), 100], (i * h * w + p) * 3);
  }
  return out;
}

const px = (g: { data: Uint8Array; width: number }, x: number, y: number): number[] =>
  [...g.data.subarray((y * g.width + x) * 3, (y * g.width + x) * 3 + 3)];

test('imageGrid tiles row-major with padding and background', () => {
  const h = 2, w = 3;
  const g = imageGrid(tiles(3, h, w), 3, h, w, 2, { pad: 1, background: [9, 8, 7] });
  assert.equal(g.width, 2 * w + 1);
  assert.equal(g.height, 2 * h + 1);
  assert.equal(g.data.length, g.width * g.height * 3);
  assert.deepEqual(px(g, 0, 0), [1, 10, 100]); // tile 0 top-left
  assert.deepEqual(px(g, 2, 1), [1, 10, 100]); // tile 0 bottom-right
  assert.deepEqual(px(g, 3, 0), [9, 8, 7]); // vertical gap
  assert.deepEqual(px(g, 4, 0), [2, 20, 100]); // tile 1 to the right
  assert.deepEqual(px(g, 0, 2), [9, 8, 7]); // horizontal gap
  assert.deepEqual(px(g, 0, 3), [3, 30, 100]); // tile 2 starts the second row
  assert.deepEqual(px(g, 6, 4), [9, 8, 7]); // empty fourth cell
});

test('imageGrid without padding is a plain mosaic and keeps pixel order inside tiles', () => {
  const h = 2, w = 2;
  const imgs = Uint8Array.from({ length: 2 * h * w * 3 }, (_, i) => i);
  const g = imageGrid(imgs, 2, h, w, 2);
  assert.equal(g.width, 4);
  assert.equal(g.height, 2);
  // Row 0: tile 0 row 0 then tile 1 row 0.
  assert.deepEqual([...g.data.subarray(0, 12)], [0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17]);
  assert.deepEqual([...g.data.subarray(12, 24)], [6, 7, 8, 9, 10, 11, 18, 19, 20, 21, 22, 23]);
});

test('imageGrid rejects bad input', () => {
  assert.throws(() => imageGrid(new Uint8Array(10), 1, 2, 2, 1), /expected 1x2x2x3/);
  assert.throws(() => imageGrid(new Uint8Array(12), 1, 2, 2, 0), /columns/);
});

test('writePng creates parent folders and round-trips through readImageRgb', async () => {
  const dir = tmp();
  const file = path.join(dir, 'a', 'b', 'out.png');
  const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
  await writePng(file, rgb, 5, 3);
  const meta = await sharp(file).metadata();
  assert.equal(meta.format, 'png');
  const back = await readImageRgb(file);
  assert.equal(back.width, 5);
  assert.equal(back.height, 3);
  assert.deepEqual([...back.data], [...rgb]);
  const buf = await encodePng(rgb, 5, 3);
  assert.deepEqual([...buf.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  await assert.rejects(encodePng(rgb, 4, 3), /expected 4x3x3/);
});

test('readImageRgb flattens alpha on white and center-crops with size', async () => {
  const dir = tmp();
  // 6 x 2 RGBA: columns 0-1 transparent, 2-3 opaque green, 4-5 opaque blue.
  const raw = new Uint8Array(6 * 2 * 4);
  for (let y = 0; y < 2; y++) {
    for (let x = 0; x < 6; x++) {
      const c = x < 2 ? [0, 0, 0, 0] : x < 4 ? [0, 255, 0, 255] : [0, 0, 255, 255];
      raw.set(c, (y * 6 + x) * 4);
    }
  }
  const file = path.join(dir, 'rgba.png');
  await sharp(raw, { raw: { width: 6, height: 2, channels: 4 } }).png().toFile(file);
  const full = await readImageRgb(file);
  assert.deepEqual(px(full, 0, 0), [255, 255, 255]);
  assert.deepEqual(px(full, 5, 1), [0, 0, 255]);
  const crop = await readImageRgb(file, 2); // columns 2-3 survive
  assert.equal(crop.width, 2);
  assert.deepEqual([...crop.data], [0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0]);
});

test('readImageRgb gives one-line errors naming the file', async () => {
  const dir = tmp();
  const fake = path.join(dir, 'photo.png');
  fs.writeFileSync(fake, 'this is not an image\n');
  await assert.rejects(readImageRgb(fake), (e: Error) => {
    assert.ok(e.message.startsWith(`Cannot read image ${fake}: `), e.message);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  const truncated = path.join(dir, 'cut.png');
  const good = await encodePng(new Uint8Array(32 * 32 * 3).fill(200), 32, 32);
  fs.writeFileSync(truncated, good.subarray(0, 40));
  await assert.rejects(readImageRgb(truncated), (e: Error) => e.message.startsWith(`Cannot read image ${truncated}: `) && !e.message.includes('\n'));
  await assert.rejects(readImageRgb(path.join(dir, 'missing.png')), /Cannot read image .*missing\.png: file not found/);
});
