/** FID Inception-v3 in tfjs against an independent NumPy forward pass with the same hashed weights. */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { setup } from '../helpers.js';
import { HashWeights } from './hash-weights.js';
import { InceptionV3, prepareInceptionInput } from '../../src/metrics/inception.js';

const REF = JSON.parse(fs.readFileSync(new URL('./fixtures/networks.json', import.meta.url), 'utf8'));
const f32 = (b64: string) => {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};

test.before(setup);

test('Inception-v3 pool3 features and logits match NumPy (107x107 input: a 2x2 last map, hashed weights); no tensor left behind', async () => {
  const before = tf.memory().numTensors;
  const net = new InceptionV3(new HashWeights(), 'hash');
  const r = REF.inception;
  const img = new Uint8Array(Buffer.from(r.input, 'base64'));
  const x = tf.tidy(() => tf.div(tf.sub(tf.cast(tf.tensor4d(img, [r.n, r.size, r.size, 3], 'int32'), 'float32'), 128), 128) as tf.Tensor4D);
  const { features, logits } = net.forwardNormalized(x, true);
  assert.deepEqual(features.shape, [2, 2048]);
  const got = (await features.data()) as Float32Array, want = f32(r.features);
  let maxErr = 0, maxVal = 0;
  for (let i = 0; i < want.length; i++) {
    maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
    maxVal = Math.max(maxVal, Math.abs(want[i]));
  }
  assert.ok(maxErr < 1e-4 * Math.max(1, maxVal), `pool3 max error ${maxErr} (max |value| ${maxVal})`);
  const lg = (await logits!.array()) as number[][];
  r.logits_first16.forEach((row: number[], n: number) => row.forEach((v, j) => assert.ok(Math.abs(lg[n][j] - v) < 1e-4, `logit ${n},${j}: ${lg[n][j]} vs ${v}`)));
  tf.dispose([x, features, logits!]);
  net.dispose();
  assert.equal(tf.memory().numTensors, before, 'Inception-v3 (with its fc layer) left tensors behind');
});

test('Inception input: TF1 legacy bilinear resize to 299 and (x - 128) / 128', async () => {
  const r = REF.resize;
  const x = tf.tensor4d(r.input, [1, r.h, r.w, 3]);
  const y = prepareInceptionInput(x);
  assert.deepEqual(y.shape, [1, 299, 299, 3]);
  const v = (await y.array()) as number[][][][];
  r.positions.forEach(([py, px]: [number, number], i: number) => {
    r.values[i].forEach((want: number, c: number) => {
      const got = v[0][py][px][c] * 128 + 128;
      assert.ok(Math.abs(got - want) < 1e-3, `(${py}, ${px}, ${c}): ${got} vs ${want}`);
    });
  });
  tf.dispose([x, y]);
});

test('LPIPS-VGG16 distances match NumPy (32x32, hashed weights)', async () => {
  const { Vgg16 } = await import('../../src/metrics/vgg16.js');
  const r = REF.lpips;
  const net = new Vgg16(new HashWeights(), 'hash');
  const a = tf.tensor4d(f32(r.a), [2, r.size, r.size, 3]), b = tf.tensor4d(f32(r.b), [2, r.size, r.size, 3]);
  const d = (await net.lpips(a, b).array()) as number[];
  d.forEach((v, i) => assert.ok(Math.abs(v - r.distances[i]) < 1e-4 * r.distances[i], `LPIPS ${i}: ${v} vs ${r.distances[i]}`));
  const zero = (await net.lpips(a, a).array()) as number[];
  zero.forEach((v) => assert.ok(Math.abs(v) < 1e-9));
  tf.dispose([a, b]);
  net.dispose();
});
