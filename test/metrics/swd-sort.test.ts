/** SWD's radix sort orders float32 exactly as Float32Array.prototype.sort. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { RadixSorter } from '../../src/metrics/swd.js';

test('RadixSorter: same order as Float32Array.sort (negatives, -0/+0, ties, denormals, infinities)', () => {
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const special = [0, -0, 1e-45, -1e-45, 3.4e38, -3.4e38, Infinity, -Infinity, 1, -1, 0.5, 0.5];
  for (const n of [1, 2, 17, 1000, 4095, 4096, 70000]) {
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = i < special.length ? special[i] : (rand() - 0.5) * 10 ** Math.floor(rand() * 8 - 4);
    const want = Float32Array.from(x).sort();
    const got = new Float32Array(n);
    new RadixSorter(n).sort(x, got);
    assert.deepEqual(new Uint32Array(got.buffer), new Uint32Array(want.buffer), `n = ${n}`);
  }
});

test('RadixSorter sorts subarrays in place of their own offsets and is reusable', () => {
  const buf = new Float32Array([9, 3, -2, 7, 5, -8, 1, 0]);
  const sorter = new RadixSorter(4);
  const out = new Float32Array(8);
  sorter.sort(buf.subarray(0, 4), out.subarray(4, 8));
  sorter.sort(buf.subarray(4, 8), out.subarray(0, 4));
  assert.deepEqual([...out], [-8, 0, 1, 5, -2, 3, 7, 9]);
});
