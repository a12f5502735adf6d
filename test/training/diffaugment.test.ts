/** DiffAugment translation + cutout: against a per-pixel loop, and differentiable (gradient = where pixels went). */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { diffAugment, drawDiffAugment } from '../../src/training/diffaugment.js';
import { initNodeBackend } from '../../src/backend/node.js';

await initNodeBackend('cpu', true); // with the gradient functions

function reference(x: Float32Array, n: number, s: number, c: number, d: ReturnType<typeof drawDiffAugment>): Float32Array {
  const out = new Float32Array(x.length);
  const cut = Math.floor(s * 0.5 + 0.5);
  for (let i = 0; i < n; i++) {
    const [dy, dx] = d.shifts[i], [cy, cx] = d.cutouts[i];
    for (let y = 0; y < s; y++) for (let xx = 0; xx < s; xx++) {
      const sy = y - dy, sx = xx - dx;
      const inCut = y >= cy && y < cy + cut && xx >= cx && xx < cx + cut;
      for (let ch = 0; ch < c; ch++) {
        out[((i * s + y) * s + xx) * c + ch] = inCut || sy < 0 || sy >= s || sx < 0 || sx >= s ? 0 : x[((i * s + sy) * s + sx) * c + ch];
      }
    }
  }
  return out;
}

test('diffAugment shifts with zero fill and cuts a half-side square, per image', () => {
  let seed = 7;
  const uniform = () => ((seed = (seed * 69069 + 1) >>> 0) / 2 ** 32);
  const n = 6, s = 16, c = 3;
  const x = Float32Array.from({ length: n * s * s * c }, (_, i) => 1 + (i % 97));
  const d = drawDiffAugment(n, s, uniform);
  for (const [dy, dx] of d.shifts) assert.ok(Math.abs(dy) <= 2 && Math.abs(dx) <= 2);
  assert.ok(d.shifts.some(([dy, dx]) => dy !== 0 || dx !== 0));
  const y = diffAugment(tf.tensor4d(x, [n, s, s, c]), d);
  assert.deepEqual(Array.from(y.dataSync()), Array.from(reference(x, n, s, c, d)));
  const zeros = Array.from(y.dataSync()).filter((v) => v === 0).length;
  assert.ok(zeros >= n * 8 * 8 * c * 0.25, 'cutouts zero part of each image');
  y.dispose();
});

test('diffAugment gradient is the mask moved back: d sum(w * aug(x)) / dx = unaug(w)', () => {
  const n = 2, s = 8, c = 1;
  const d = { shifts: [[1, -1], [0, 1]] as [number, number][], cutouts: [[-2, 5], [3, 0]] as [number, number][] };
  const w = tf.tensor4d(Float32Array.from({ length: n * s * s * c }, (_, i) => (i % 5) - 2), [n, s, s, c]);
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(w, diffAugment(x as tf.Tensor4D, d))))(tf.zeros([n, s, s, c]));
  // Finite differences of the linear map at one-hot inputs.
  const wv = w.dataSync(), gv = g.dataSync();
  for (let k = 0; k < n * s * s * c; k++) {
    const e = new Float32Array(n * s * s * c);
    e[k] = 1;
    const fk = Array.from(reference(e, n, s, c, d)).reduce((a, v, i) => a + v * wv[i], 0);
    assert.equal(gv[k], fk, `pixel ${k}`);
  }
  tf.dispose([w, g]);
});
