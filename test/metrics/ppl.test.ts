/** Perceptual path length pieces: slerp, the crop/downsample, and the sampler on a tiny generator. */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, tinyConfig, testRandom } from '../helpers.js';
import { HashWeights } from './hash-weights.js';
import { slerp, pplImages, perceptualPathLength } from '../../src/metrics/ppl.js';
import { Vgg16 } from '../../src/metrics/vgg16.js';
import { Generator } from '../../src/networks/stylegan/generator.js';
import { RandomState } from '../../src/sampling/rng.js';

test.before(setup);

test('slerp: unit results, the endpoints at t = 0 and 1, the angle split in proportion to t', async () => {
  const a = tf.tensor2d([[3, 0, 0], [1, 1, 0]]), b = tf.tensor2d([[0, 2, 0], [0, 0, 5]]);
  const at = async (t: number) => (await slerp(a, b, tf.fill([2, 1], t) as tf.Tensor2D).array()) as number[][];
  const close = (x: number[], y: number[]) => x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-6, `${x} vs ${y}`));
  close((await at(0))[0], [1, 0, 0]);
  close((await at(1))[0], [0, 1, 0]);
  close((await at(0.5))[0], [Math.SQRT1_2, Math.SQRT1_2, 0]);
  const third = (await at(1 / 3))[0];
  close(third, [Math.cos(Math.PI / 6), Math.sin(Math.PI / 6), 0]);
  close((await at(1))[1], [0, 0, 1]);
  tf.dispose([a, b]);
});

test('pplImages: face crop rows 3/8..7/8, columns 2/8..6/8; 512 px box-downsampled to 256', async () => {
  const x = tf.tensor4d(Float32Array.from({ length: 16 * 16 }, (_, i) => i), [1, 16, 16, 1]);
  const c = pplImages(x, true);
  assert.deepEqual(c.shape, [1, 8, 8, 1]);
  const v = (await c.data()) as Float32Array;
  assert.equal(v[0], 6 * 16 + 4); // row 6, column 4
  const big = pplImages(tf.ones([1, 512, 512, 3]) as tf.Tensor4D, false);
  assert.deepEqual(big.shape, [1, 256, 256, 3]);
  tf.dispose([x, c, big]);
});

test('perceptualPathLength on a tiny generator: finite, positive, reproducible from the seed', async () => {
  const G = new Generator(tinyConfig({ imgResolution: 32 }), testRandom(3));
  const vgg = new Vgg16(new HashWeights(), 'hash');
  const run = (space: 'z' | 'w', sampling: 'full' | 'end') =>
    perceptualPathLength(G, vgg, { num: 4, space, sampling, crop: true, rng: new RandomState(5) });
  const a = await run('w', 'end'), b = await run('w', 'end'), z = await run('z', 'full');
  assert.ok(Number.isFinite(a) && a > 0, `ppl ${a}`);
  assert.equal(a, b);
  assert.ok(Number.isFinite(z) && z > 0 && z !== a, `ppl z ${z}`);
  // With strong noise, the two images of a pair must still share it: PPL stays of the same
  // order (different noise per image would add LPIPS(noise) / eps^2, about 1e8 times more).
  for (const [name, v] of G.store.vars) if (name.endsWith('noiseStrength')) v.assign(tf.fill(v.shape, 0.5));
  const noisy = await run('w', 'end');
  assert.ok(Number.isFinite(noisy) && noisy < 100 * a + 1, `ppl with noise ${noisy} vs ${a}`);
  vgg.dispose();
  G.dispose();
});
