import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../src/backend/node.js';
import type { NativeBackend } from '../../src/backend/native.js';

const storage = (t: tf.Tensor) => (tf.backend() as NativeBackend).data.get(t.dataId).values as Float32Array;

test('the native backend reuses a disposed output\'s storage for the next op of that size', async () => {
  assert.equal(await initNodeBackend('native', true), 'native');
  const x = tf.randomNormal([64, 64]);
  const a = tf.mul(x, 2);
  const mem = storage(a);
  a.dispose();
  const b = tf.add(x, 1);  // same size: gets a's array, fully rewritten
  assert.equal(storage(b), mem);
  const want = Array.from(x.dataSync(), (v) => Math.fround(v + 1));
  assert.deepEqual(Array.from(b.dataSync()), want);
  // Pad must not see stale values in a recycled array.
  const c = tf.mul(x, 3);
  c.dispose();
  const p = tf.pad(tf.ones([62, 64]), [[1, 1], [0, 0]]);
  const pv = p.dataSync();
  assert.equal(pv[0], 0);
  assert.equal(pv[64 * 63 + 5], 0);
  assert.equal(pv[64 + 5], 1);
  tf.dispose([x, b, p]);
});

test('storage handed out by dataSync()/data(), or shared by a slice view, is never reused', async () => {
  assert.equal(await initNodeBackend('native', true), 'native');
  const x = tf.randomNormal([64, 64]);
  const a = tf.mul(x, 2);
  const read = a.dataSync();
  const kept = read.slice();
  a.dispose();
  const a2 = await tf.mul(x, 5).data();
  const later = tf.mul(x, 7);
  assert.deepEqual(read, kept, 'dataSync() result changed after its tensor was disposed');
  assert.notEqual(storage(later), read);
  assert.notEqual(storage(later).buffer, a2.buffer);

  // A contiguous slice is a view into its input's storage on the cpu kernels.
  const big = tf.mul(x, 1);
  const rows = tf.slice(big, [0, 0], [32, 64]);
  const rowsWant = Array.from(x.dataSync().subarray(0, 32 * 64), (v) => Math.fround(v * 1));
  big.dispose();
  const clobber = tf.mul(x, -1);
  assert.deepEqual(Array.from(rows.dataSync()), rowsWant);
  tf.dispose([x, later, rows, clobber]);
});

test('the pool keeps at most its byte budget of idle storage', async () => {
  const { BufferPool } = await import('../../src/backend/buffer-pool.js');
  const pool = new BufferPool(2 * 4096);  // two arrays of 1024 floats
  const arrays = [pool.alloc(1024), pool.alloc(1024), pool.alloc(1024)];
  for (const a of arrays) pool.recycle(a);
  const again = [pool.alloc(1024), pool.alloc(1024), pool.alloc(1024)];
  assert.equal(again.filter((a) => arrays.includes(a)).length, 2, 'reused beyond the budget, or not at all');
});
