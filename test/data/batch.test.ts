import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dataset, downscaleBatch } from '../../src/data/dataset.js';

test('downscaleBatch averages 2x2 blocks repeatedly', () => {
  // [2, 4, 4, 3]: image 0 channel c at (x, y) = x + 4y + 100c; image 1 constant 7.
  const n = 2, r = 4;
  const data = new Float32Array(n * r * r * 3);
  for (let y = 0; y < r; y++) {
    for (let x = 0; x < r; x++) {
      for (let c = 0; c < 3; c++) {
        data[(y * r + x) * 3 + c] = x + 4 * y + 100 * c;
        data[r * r * 3 + (y * r + x) * 3 + c] = 7;
      }
    }
  }
  const half = downscaleBatch(data, n, 4, 2);
  assert.equal(half.length, n * 2 * 2 * 3);
  // Block (0,0) = mean of 0, 1, 4, 5 = 2.5; block (1,0) = mean of 2, 3, 6, 7 = 4.5; (0,1) = 10.5.
  assert.deepEqual([...half.subarray(0, 12)], [2.5, 102.5, 202.5, 4.5, 104.5, 204.5, 10.5, 110.5, 210.5, 12.5, 112.5, 212.5]);
  assert.deepEqual([...half.subarray(12)], new Array(12).fill(7));
  const one = downscaleBatch(data, n, 4, 1);
  assert.deepEqual([...one], [7.5, 107.5, 207.5, 7, 7, 7]);
  assert.equal(downscaleBatch(data, n, 4, 4), data);
  assert.throws(() => downscaleBatch(data, n, 4, 8), /cannot go from 4 to 8/);
  assert.throws(() => downscaleBatch(data, n, 4, 3), /cannot go from 4 to 3/);
  assert.throws(() => downscaleBatch(data, 3, 4, 2), /expected 3x4x4x3/);
});

test('Dataset from a buffer: getImage views, value range, randomFlips follows mirror', () => {
  const r = 4;
  const images = new Uint8Array(3 * r * r * 3);
  images.fill(0, 0, 48);
  images.fill(255, 48, 96);
  images.fill(128, 96);
  const ds = new Dataset({ images, numImages: 3, resolution: r });
  assert.equal(ds.getImage(1)[0], 255);
  assert.equal(ds.getImage(2).length, 48);
  const b = ds.sampleBatch([1, 0, 2]);
  assert.equal(b[0], 1);
  assert.equal(b[48], -1);
  assert.equal(b[96], Math.fround(128 / 127.5 - 1));
  assert.ok(b.every((v) => v >= -1 && v <= 1));
  assert.deepEqual(ds.randomFlips(4, () => 0), [false, false, false, false]);
  const m = new Dataset({ images, numImages: 3, resolution: r, mirror: true });
  assert.deepEqual(m.randomFlips(4, (() => { let i = 0; return () => [0.1, 0.9, 0.4, 0.6][i++]; })()), [true, false, true, false]);
  assert.throws(() => ds.getImage(3), RangeError);
  assert.throws(() => ds.getImage(-1), RangeError);
  assert.throws(() => new Dataset({ images, numImages: 2, resolution: r }), /expected 2x4x4x3/);
});
