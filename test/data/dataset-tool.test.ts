/**
 * `stylegan dataset` (NVIDIA's dataset_tool.py layout): numbered uncompressed PNGs in a stored
 * zip, dataset.json labels from sub-folders or the source's dataset.json, gaps where files are
 * skipped (each with a reason), center-crop and center-crop-wide, --subset; the zip read back by
 * loadDataset with its labels (one-hot), and a folder destination.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { unzipSync } from 'fflate';
import { convertDataset } from '../../src/data/dataset-tool.js';
import { loadDataset } from '../../src/data/dataset.js';
import { runCli } from '../cli/cli.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dataset-tool-'));

/** A w x h PNG: left half colour a, right half colour b. */
async function png(file: string, w: number, h: number, a: number[], b: number[]): Promise<void> {
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(x < w / 2 ? a : b, (y * w + x) * 3);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
}

test('dataset: sub-folder labels, numbered PNGs with gaps for skipped files, stored zip, read back with one-hot labels', async () => {
  const dir = tmp(), src = path.join(dir, 'src');
  await png(path.join(src, 'cat/a.png'), 40, 20, [255, 0, 0], [0, 0, 255]);
  await png(path.join(src, 'cat/b.png'), 16, 16, [0, 255, 0], [0, 255, 0]);
  await png(path.join(src, 'dog/c.png'), 24, 30, [10, 20, 30], [40, 50, 60]);
  fs.writeFileSync(path.join(src, 'dog/0bad.png'), 'not a png');
  const skips: string[] = [];
  const dest = path.join(dir, 'out.zip');
  const r = await convertDataset({ source: src, dest, width: 8, height: 8, transform: 'center-crop', onSkip: (n, why) => skips.push(`${n}: ${why}`) });
  assert.deepEqual([r.written, r.skipped, r.resolution, r.labels], [3, 1, 8, true]);
  assert.equal(skips.length, 1);
  assert.match(skips[0], /^dog\/0bad\.png: cannot decode: /);
  const files = unzipSync(fs.readFileSync(dest));
  // Numbered by source index: dog/0bad.png was index 2, so img00000002 is missing.
  assert.deepEqual(Object.keys(files).sort(), ['00000/img00000000.png', '00000/img00000001.png', '00000/img00000003.png', 'dataset.json']);
  const meta = JSON.parse(new TextDecoder().decode(files['dataset.json']));
  assert.deepEqual(meta.labels, [['00000/img00000000.png', 0], ['00000/img00000001.png', 0], ['00000/img00000003.png', 1]]);
  assert.deepEqual(meta.class_names, ['cat', 'dog']);
  // Uncompressed PNGs in a stored zip (NVIDIA's ZIP_STORED, compress_level=0): bigger than the pixels.
  assert.ok(files['00000/img00000000.png'].length > 8 * 8 * 3);
  const a = await sharp(files['00000/img00000000.png']).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([a.info.width, a.info.height, a.info.channels], [8, 8, 3]);
  // center-crop of 40x20 keeps the middle 20x20: red on the left, blue on the right.
  assert.ok(a.data[0] > 200 && a.data[2] < 50 && a.data[7 * 3 + 2] > 200);

  const ds = await loadDataset({ path: dest, resolution: 8, labels: true });
  assert.equal(ds.numImages, 3);
  assert.equal(ds.labels?.dim, 2);
  assert.deepEqual(Array.from(ds.labelBatch([0, 2])), [1, 0, 0, 1]);
  assert.deepEqual(ds.labels?.classNames, ['cat', 'dog']);
});

test('dataset: the source dataset.json labels, center-crop-wide skips narrow images, --subset, folder destination', async () => {
  const dir = tmp(), src = path.join(dir, 'src');
  await png(path.join(src, 'a.png'), 32, 16, [255, 255, 255], [0, 0, 0]);
  await png(path.join(src, 'b.png'), 6, 6, [1, 2, 3], [4, 5, 6]);
  await png(path.join(src, 'c.png'), 64, 64, [9, 9, 9], [9, 9, 9]);
  fs.writeFileSync(path.join(src, 'dataset.json'), JSON.stringify({ labels: [['a.png', 3], ['b.png', 1], ['c.png', 0]] }));
  const skips: string[] = [];
  const dest = path.join(dir, 'out');
  const r = await convertDataset({ source: src, dest, width: 16, height: 8, transform: 'center-crop-wide', subset: 2, onSkip: (n, why) => skips.push(`${n}: ${why}`) });
  assert.deepEqual([r.written, r.skipped, r.resolution], [1, 1, 16]);
  assert.match(skips[0], /^b\.png: 6x6 is too small for center-crop-wide to 16x8/);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dest, 'dataset.json'), 'utf8')).labels, [['00000/img00000000.png', 3]]);
  const img = await sharp(path.join(dest, '00000/img00000000.png')).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([img.info.width, img.info.height], [16, 16]);
  // The 16x8 strip sits in rows 4-11 of a black canvas.
  assert.equal(img.data[0], 0);
  assert.ok(img.data[(5 * 16 + 1) * 3] > 200);
  assert.equal(img.data[(13 * 16 + 1) * 3], 0);
  const ds = await loadDataset({ path: dest, resolution: 16, labels: true });
  assert.equal(ds.labels?.dim, 4);
});

test('stylegan dataset CLI: progress, one line per skipped file, one-line errors', async () => {
  const dir = tmp(), src = path.join(dir, 'src');
  await png(path.join(src, 'a.png'), 20, 20, [255, 0, 0], [0, 255, 0]);
  fs.writeFileSync(path.join(src, 'broken.png'), 'x');
  const ok = await runCli(['dataset', '--source', src, '--dest', path.join(dir, 'o.zip'), '--resolution', '16x16', '--transform', 'center-crop']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /skipped broken\.png: cannot decode: .*\n/);
  assert.match(ok.stderr, /\[#+\] 2\/2, 1 skipped/);
  assert.match(ok.stdout, /Wrote 1 images \(16x16\), no labels to /);
  const cases: Array<[string[], RegExp]> = [
    [['--source', src, '--dest', path.join(dir, 'x.zip'), '--resolution', '16'], /^stylegan dataset: error: --resolution must be WxH \(e\.g\. 256x256\), got '16'$/],
    [['--source', src, '--dest', path.join(dir, 'x.zip'), '--transform', 'center-crop'], /^stylegan dataset: error: --transform center-crop needs --resolution WxH$/],
    [['--source', path.join(dir, 'nope'), '--dest', path.join(dir, 'x.zip')], /^stylegan dataset: error: Dataset not found: /],
    [['--source', src, '--dest', path.join(dir, 'x.zip'), '--resolution', '24x24'], /^stylegan dataset: error: the output resolution must be a power of two, got 24$/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(['dataset', ...args]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr.trim(), re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.ok(!fs.existsSync(path.join(dir, 'x.zip')));
});
