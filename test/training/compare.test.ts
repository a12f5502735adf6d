/**
 * compare's final generator: a progressive StyleGAN saved mid-growth (a budget shorter than its
 * growth schedule) is sampled at its stage and upsampled, as its fakes grid and `generate` show
 * it, not through its untrained full-resolution layers; a fully grown one runs as is.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, tinyConfig, testRandom } from '../helpers.js';
import { Generator } from '../../src/networks/stylegan/generator.js';
import { finalGenerator } from '../../src/training/compare.js';
import { seedsToZ } from '../../src/sampling/generate.js';

test('compare finalGenerator: mid-growth StyleGAN at its stage (8 px in 2x2 blocks at 16 px), grown one at full resolution', async () => {
  await setup();
  const before = tf.memory().numTensors;
  const G0 = new Generator(tinyConfig(), testRandom(7));
  const growth = { enabled: true, initialResolution: 8, stabilizeKimg: 6, transitionKimg: 6 };
  const snap = (kimg: number) => ({ config: G0.cfg, training: { nimg: kimg * 1000, hyper: { growth } }, modules: { G_ema: G0.store.toRaw() } });
  for (const [kimg, res, alpha] of [[3, 8, 1], [9, 16, 0.5], [20, 16, 1]] as const) {
    const { G, paramsG, stage } = finalGenerator(snap(kimg), 'x');
    assert.equal(paramsG, G0.store.numParams());
    assert.deepEqual(stage, res === 16 && alpha === 1 ? undefined : { res, alpha }, `${kimg} kimg`);
    const img = tf.tidy(() => G.forward(seedsToZ([0, 1], 16), { noiseMode: 'const' }));
    assert.deepEqual(img.shape, [2, 16, 16, 3]);
    const x = (await img.data()) as Float32Array;
    img.dispose();
    G.dispose();
    // 8 px upsampled: every 2x2 block is one pixel; at 16 px (fading in or grown) neighbours differ.
    let blocky = true;
    for (let n = 0; n < 2; n++) for (let y = 0; y < 16; y++) for (let xx = 0; xx < 16; xx++) for (let c = 0; c < 3; c++) {
      const at = (yy: number, xq: number) => x[((n * 16 + yy) * 16 + xq) * 3 + c];
      if (at(y, xx) !== at(y - (y % 2), xx - (xx % 2))) blocky = false;
    }
    assert.equal(blocky, res === 8, `${kimg} kimg: blocky ${blocky}`);
  }
  G0.dispose();
  assert.equal(tf.memory().numTensors, before);
});
