import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { zipSync } from 'fflate';
import { loadDataset, openImageSource, defaultDatasetPath } from '../../src/data/dataset.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dataset-test-'));
  dirs.push(d);
  return d;
};
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

/**
 * Hand-built PNG (independent of sharp's encoder) so bit depth and colour type are
 * exactly what the test says. colorType: 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA.
 */
function makePng(width: number, height: number, bitDepth: 8 | 16, colorType: 0 | 2 | 4 | 6, samples: number[]): Buffer {
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
  const bytes = bitDepth / 8;
  assert.equal(samples.length, width * height * channels);
  const stride = width * channels * bytes;
  const raw = Buffer.alloc(height * (stride + 1)); // filter byte 0 per row
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * channels; i++) {
      const v = samples[y * width * channels + i];
      const o = y * (stride + 1) + 1 + i * bytes;
      if (bytes === 2) raw.writeUInt16BE(v, o); else raw[o] = v;
    }
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth; ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** width x height RGB PNG where pixel (x, y) has colour f(x, y). */
const rgbPng = (width: number, height: number, f: (x: number, y: number) => number[]): Buffer =>
  makePng(width, height, 8, 2, Array.from({ length: width * height }, (_, i) => f(i % width, Math.floor(i / width))).flat());

const pixel = (img: Uint8Array, r: number, x: number, y: number): number[] => [...img.subarray((y * r + x) * 3, (y * r + x) * 3 + 3)];

test('RGBA: transparent pixels become white, partial alpha blends on white', async () => {
  const dir = tmp();
  // 4x4 red; (0,0) fully transparent, (1,0) half transparent.
  const s = Array.from({ length: 16 }, (_, i) => [255, 0, 0, i === 0 ? 0 : i === 1 ? 128 : 255]).flat();
  fs.writeFileSync(path.join(dir, 'a.png'), makePng(4, 4, 8, 6, s));
  const ds = await loadDataset({ path: dir, resolution: 4 });
  const img = ds.getImage(0);
  assert.deepEqual(pixel(img, 4, 0, 0), [255, 255, 255]);
  const [r, g, b] = pixel(img, 4, 1, 0);
  assert.equal(r, 255);
  assert.ok(Math.abs(g - 127) <= 1 && g === b, `half alpha gave ${[r, g, b]}`);
  assert.deepEqual(pixel(img, 4, 3, 3), [255, 0, 0]);
});

test('grayscale (8- and 16-bit) expands to three equal channels', async () => {
  const dir = tmp();
  const grey = Array.from({ length: 16 }, (_, i) => i * 16);
  fs.writeFileSync(path.join(dir, 'g8.png'), makePng(4, 4, 8, 0, grey));
  fs.writeFileSync(path.join(dir, 'g16.png'), makePng(4, 4, 16, 0, grey.map((v) => v * 257)));
  const ds = await loadDataset({ path: dir, resolution: 4 });
  assert.equal(ds.numImages, 2);
  for (let n = 0; n < 2; n++) {
    const img = ds.getImage(n);
    for (let i = 0; i < 16; i++) assert.deepEqual([...img.subarray(i * 3, i * 3 + 3)], [grey[i], grey[i], grey[i]], `image ${n} pixel ${i}`);
  }
});

test('16-bit RGBA converts to 8-bit and flattens', async () => {
  const dir = tmp();
  // pixels: black, white, mid (0x8080 -> 128), transparent; repeated.
  const px16 = [[0, 0, 0, 65535], [65535, 65535, 65535, 65535], [32896, 0, 65535, 65535], [0, 0, 0, 0]];
  fs.writeFileSync(path.join(dir, 'deep.png'), makePng(4, 4, 16, 6, Array.from({ length: 16 }, (_, i) => px16[i % 4]).flat()));
  const ds = await loadDataset({ path: dir, resolution: 4 });
  const img = ds.getImage(0);
  assert.deepEqual([...img.subarray(0, 12)], [0, 0, 0, 255, 255, 255, 128, 0, 255, 255, 255, 255]);
});

test('CMYK JPEG converts to sRGB', async () => {
  const dir = tmp();
  const cmyk = await sharp(rgbPng(8, 8, () => [200, 60, 30])).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
  assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
  fs.writeFileSync(path.join(dir, 'print.jpg'), cmyk);
  const ds = await loadDataset({ path: dir, resolution: 8 });
  const [r, g, b] = pixel(ds.getImage(0), 8, 4, 4);
  // The CMYK round trip goes through ICC profiles, so only roughly the same orange;
  // reading raw CMYK bands as RGB would give about (0, 178, 216) instead.
  assert.ok(r > 180 && g > 30 && g < 90 && b < 60, `got ${[r, g, b]}`);
});

test('non-square images are center-cropped on the shorter side before resizing', async () => {
  const dir = tmp();
  // Wide 12x4: columns 4..7 are the centre square (green), sides red/blue.
  fs.writeFileSync(path.join(dir, 'a_wide.png'), rgbPng(12, 4, (x) => (x < 4 ? [255, 0, 0] : x < 8 ? [0, 255, 0] : [0, 0, 255])));
  // Tall 4x10: rows 3..6 survive (floor((10 - 4) / 2) = 3); encode the row in red.
  fs.writeFileSync(path.join(dir, 'b_tall.png'), rgbPng(4, 10, (x, y) => [y * 20, x * 20, 7]));
  // Wide 32x16 downsampled to 4: only the green centre (columns 8..23) may leak in.
  fs.writeFileSync(path.join(dir, 'c_big.png'), rgbPng(32, 16, (x) => (x < 8 ? [255, 0, 0] : x < 24 ? [0, 255, 0] : [0, 0, 255])));
  const ds = await loadDataset({ path: dir, resolution: 4 });
  assert.equal(ds.numImages, 3);
  const wide = ds.getImage(0);
  for (let i = 0; i < 16; i++) assert.deepEqual([...wide.subarray(i * 3, i * 3 + 3)], [0, 255, 0]);
  const tall = ds.getImage(1);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) assert.deepEqual(pixel(tall, 4, x, y), [(y + 3) * 20, x * 20, 7], `tall (${x},${y})`);
  }
  const big = ds.getImage(2);
  for (let i = 0; i < 16; i++) assert.deepEqual([...big.subarray(i * 3, i * 3 + 3)], [0, 255, 0], `big pixel ${i}`);
  assert.deepEqual(ds.warnings, []);
});

test('small images are upsampled and reported once', async () => {
  const dir = tmp();
  for (const n of ['a', 'b']) fs.writeFileSync(path.join(dir, `${n}.png`), rgbPng(2, 2, () => [10, 20, 30]));
  fs.writeFileSync(path.join(dir, 'c.png'), rgbPng(8, 8, () => [10, 20, 30]));
  const ds = await loadDataset({ path: dir, resolution: 8 });
  assert.equal(ds.numImages, 3);
  assert.deepEqual(ds.warnings, ['Upsampled 2 images smaller than 8x8 (e.g. a.png)']);
  assert.deepEqual(pixel(ds.getImage(0), 8, 5, 5), [10, 20, 30]);
});

test('unreadable images are skipped and counted; strict throws on them', async () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'a.png'), rgbPng(4, 4, () => [1, 2, 3]));
  fs.writeFileSync(path.join(dir, 'b.png'), 'just text, not a PNG\n');
  fs.writeFileSync(path.join(dir, 'c.jpg'), rgbPng(4, 4, () => [4, 5, 6]).subarray(0, 30)); // truncated
  fs.writeFileSync(path.join(dir, 'd.png'), rgbPng(4, 4, () => [7, 8, 9]));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
  const progress: number[][] = [];
  const ds = await loadDataset({ path: dir, resolution: 4, onProgress: (d, t) => progress.push([d, t]) });
  assert.equal(ds.numImages, 2);
  assert.equal(ds.images.length, 2 * 4 * 4 * 3);
  // Survivors stay in sorted order with no hole where the bad files were.
  assert.deepEqual(pixel(ds.getImage(0), 4, 0, 0), [1, 2, 3]);
  assert.deepEqual(pixel(ds.getImage(1), 4, 0, 0), [7, 8, 9]);
  assert.equal(ds.warnings.length, 1);
  assert.match(ds.warnings[0], /^Skipped 2 unreadable images: b\.png, c\.jpg$/);
  assert.equal(progress.length, 4);
  assert.deepEqual(progress.at(-1), [4, 4]);
  await assert.rejects(loadDataset({ path: dir, resolution: 4, strict: true }), /Cannot read image (b\.png|c\.jpg) in /);
});

test('all images unreadable is an error naming the path', async () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'x.png'), 'nope');
  fs.writeFileSync(path.join(dir, 'y.webp'), 'nope');
  await assert.rejects(loadDataset({ path: dir, resolution: 4 }), (e: Error) => e.message.includes(dir) && /None of the 2 images/.test(e.message));
});

test('missing path, empty folder and bad resolution give one-line errors', async () => {
  const dir = tmp();
  const missing = path.join(dir, 'nope');
  await assert.rejects(loadDataset({ path: missing, resolution: 4 }), { message: `Dataset not found: ${missing}` });
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(path.join(empty, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(empty, 'sub', 'readme.md'), 'x');
  await assert.rejects(loadDataset({ path: empty, resolution: 4 }), { message: `No images found in ${empty} (looked for .png, .jpg, .jpeg, .webp)` });
  for (const r of [0, 2, 3, 6, 4.5, 48, NaN]) {
    await assert.rejects(loadDataset({ path: dir, resolution: r }), { message: `Resolution must be a power of two >= 4, got ${r}` });
  }
});

test('folders are searched recursively, extensions case-insensitively, in sorted order', async () => {
  const dir = tmp();
  fs.mkdirSync(path.join(dir, 'b', 'deep'), { recursive: true });
  const png = rgbPng(4, 4, () => [0, 0, 0]);
  // Node's readdir is already per-folder sorted; a depth-first walk would still list
  // b/deep/c.PNG before b-c.png and b.png, whereas whole-path order puts it last.
  fs.writeFileSync(path.join(dir, 'b.png'), png);
  fs.writeFileSync(path.join(dir, 'b-c.png'), png);
  fs.writeFileSync(path.join(dir, 'a.webp'), await sharp(png).webp().toBuffer());
  fs.writeFileSync(path.join(dir, '9.png'), png);
  fs.writeFileSync(path.join(dir, 'b', 'deep', 'c.PNG'), png);
  fs.writeFileSync(path.join(dir, 'A.JpEg'), await sharp(png).jpeg().toBuffer());
  fs.writeFileSync(path.join(dir, '10.png'), png);
  fs.writeFileSync(path.join(dir, 'Z.png'), png);
  fs.writeFileSync(path.join(dir, 'b', 'x.gif'), 'GIF89a');
  fs.writeFileSync(path.join(dir, '._hidden.png'), 'AppleDouble junk');
  const src = await openImageSource(dir);
  assert.equal(src.kind, 'folder');
  // Code-unit order: digits < upper case < lower case, independent of locale.
  assert.deepEqual(src.names, ['10.png', '9.png', 'A.JpEg', 'Z.png', 'a.webp', 'b-c.png', 'b.png', 'b/deep/c.PNG']);
  const ds = await loadDataset({ path: dir, resolution: 4 });
  assert.equal(ds.numImages, 8);
  assert.deepEqual(ds.warnings, []);
});

test('zip: junk, directories, __MACOSX and path traversal entries are skipped', async () => {
  const dir = tmp();
  const png = (v: number): Uint8Array => rgbPng(4, 4, () => [v, v, v]);
  const zip = zipSync({
    'imgs/': new Uint8Array(0),
    'imgs/a.png': png(10),
    'imgs/readme.txt': new TextEncoder().encode('hello'),
    '__MACOSX/imgs/._a.png': new Uint8Array([0, 5, 22, 7]),
    '__MACOSX/imgs/b.png': new Uint8Array([0, 5, 22, 7]),
    '../evil.png': png(66),
    'imgs/../../evil2.png': png(66),
    '/abs.png': png(66),
    'B.JPG': new Uint8Array(await sharp(png(200)).jpeg({ quality: 100 }).toBuffer()),
  });
  const file = path.join(dir, 'data.zip');
  fs.writeFileSync(file, zip);
  const src = await openImageSource(file);
  assert.equal(src.kind, 'zip');
  assert.deepEqual(src.names, ['B.JPG', 'imgs/a.png']);
  assert.equal(src.unsafeEntries, 3);
  assert.equal(src.warnings.length, 1);
  assert.match(src.warnings[0], /^Skipped 3 zip entries with unsafe paths: .*\.\.\/evil\.png/);
  const ds = await loadDataset({ path: file, resolution: 4 });
  assert.equal(ds.numImages, 2);
  assert.equal(ds.sourcePath, file);
  assert.ok(Math.abs(ds.getImage(0)[0] - 200) <= 2);
  assert.deepEqual(pixel(ds.getImage(1), 4, 3, 3), [10, 10, 10]);
  assert.deepEqual(ds.warnings, src.warnings);
  assert.ok(!fs.existsSync(path.join(dir, '..', 'evil.png')));
});

test('zip errors: no images, corrupt archive', async () => {
  const dir = tmp();
  const empty = path.join(dir, 'empty.zip');
  fs.writeFileSync(empty, zipSync({ 'docs/readme.txt': new Uint8Array([65]) }));
  await assert.rejects(openImageSource(empty), { message: `No images found in ${empty} (looked for .png, .jpg, .jpeg, .webp)` });
  const bad = path.join(dir, 'bad.zip');
  fs.writeFileSync(bad, 'PK not really');
  await assert.rejects(openImageSource(bad), /^Error: Cannot read zip .*bad\.zip/);
});

test('mirror: sampleBatch flips horizontally where asked', async () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'a.png'), rgbPng(4, 4, (x, y) => [x * 60, y * 60, 255]));
  const ds = await loadDataset({ path: dir, resolution: 4, mirror: true });
  assert.equal(ds.mirror, true);
  const plain = ds.sampleBatch([0], [false]);
  const flipped = ds.sampleBatch([0, 0], [true, false]);
  assert.equal(flipped.length, 2 * 4 * 4 * 3);
  const at = (b: Float32Array, n: number, x: number, y: number): number[] => [...b.subarray(n * 48 + (y * 4 + x) * 3, n * 48 + (y * 4 + x) * 3 + 3)];
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) {
      assert.deepEqual(at(flipped, 0, x, y), at(plain, 0, 3 - x, y));
      assert.deepEqual(at(flipped, 1, x, y), at(plain, 0, x, y));
    }
  }
  assert.deepEqual(at(flipped, 0, 0, 2), [Math.fround(180 / 127.5 - 1), Math.fround(120 / 127.5 - 1), 1]);
  assert.deepEqual(ds.sampleBatch([0]), plain);
  assert.throws(() => ds.sampleBatch([0], [true, true]), /2 flips for 1 indices/);
  assert.throws(() => ds.sampleBatch([1]), RangeError);
});

test('default emoji set opens and loads', async () => {
  const src = await openImageSource(undefined);
  assert.equal(src.path, defaultDatasetPath());
  assert.ok(src.names.length >= 3000, `only ${src.names.length} emoji found`);
  assert.ok(src.names.every((n) => n.endsWith('.png')));
  let calls = 0;
  const ds = await loadDataset({ resolution: 16, maxImages: 16, onProgress: () => { calls++; } });
  assert.equal(ds.numImages, 16);
  assert.equal(calls, 16);
  assert.equal(ds.images.length, 16 * 16 * 16 * 3);
  assert.deepEqual(ds.warnings, []);
  const batch = ds.sampleBatch([...Array(16).keys()]);
  let min = Infinity, max = -Infinity;
  for (const v of batch) { min = Math.min(min, v); max = Math.max(max, v); }
  assert.ok(min >= -1 && max <= 1, `range [${min}, ${max}]`);
  assert.equal(max, 1); // emoji have white (flattened) backgrounds
  assert.ok(min < 0);
});
