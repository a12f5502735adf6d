/**
 * The baselines' networks against the reference implementations' layer lists (PyTorch-GAN's
 * gan.py, dcgan.py, lsgan.py, began.py, aae.py; pytorch/examples' vae): parameter counts written
 * out layer by layer from the reference code for the same settings (C = 3), and forward shapes.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, testRandom } from '../helpers.js';
import { BASELINE_ARCHS, baselineConfig, type BaselineArch } from '../../src/networks/baselines/config.js';
import { BaselineGenerator, buildDiscriminator } from '../../src/networks/baselines/generator.js';
import { DcganDiscriminator } from '../../src/networks/baselines/dcgan.js';

before(setup);

// nn.Linear(i, o), nn.Conv2d(i, o, 3), nn.BatchNorm(c): weights + biases (BN: scale + shift).
const lin = (i: number, o: number) => i * o + o;
const conv = (i: number, o: number) => 9 * i * o + o;
const bn = (c: number) => 2 * c;

/** [G, D] parameter counts from the reference layer lists at resolution r, 3 channels. */
function reference(arch: BaselineArch, r: number): [number, number] {
  const px = r * r * 3;
  // gan.py / wgan.py / wgan_gp.py: block(z,128,no norm), block(128,256), block(256,512), block(512,1024), Linear(1024, px).
  const mlpG = (z: number) => lin(z, 128) + lin(128, 256) + bn(256) + lin(256, 512) + bn(512) + lin(512, 1024) + bn(1024) + lin(1024, px);
  const mlpD = lin(px, 512) + lin(512, 256) + lin(256, 1);
  // dcgan.py: l1 Linear(z, 128 (r/4)^2), [BatchNorm2d(128)], Conv(128,128), BN(128), Conv(128,64), BN(64), Conv(64,3).
  const dcG = (z: number, inputNorm: boolean) => lin(z, 128 * (r / 4) ** 2) + (inputNorm ? bn(128) : 0) + conv(128, 128) + bn(128) + conv(128, 64) + bn(64) + conv(64, 3);
  // discriminator_block(3,16,no bn), (16,32), (32,64), (64,128); adv_layer Linear(128 (r/16)^2, 1).
  const dcD = conv(3, 16) + conv(16, 32) + bn(32) + conv(32, 64) + bn(64) + conv(64, 128) + bn(128) + lin(128 * (r / 16) ** 2, 1);
  // began.py D: down Conv(3,64,s2); fc Linear(64 (r/2)^2, 32), BN1d(32), Linear(32, 64 (r/2)^2), BN1d(64 (r/2)^2); up Conv(64,3).
  const down = 64 * (r / 2) ** 2;
  const beganD = conv(3, 64) + lin(down, 32) + bn(32) + lin(32, down) + bn(down) + conv(64, 3);
  // vae: fc1 Linear(px,400), fc21/fc22 Linear(400,20), fc3 Linear(20,400), fc4 Linear(400,px).
  const vae = lin(px, 400) + 2 * lin(400, 20) + lin(20, 400) + lin(400, px);
  // aae.py: Encoder Linear(px,512), Linear(512,512), BN(512), mu/logvar Linear(512,10); Decoder Linear(10,512), Linear(512,512), BN(512), Linear(512,px).
  const aaeG = lin(px, 512) + lin(512, 512) + bn(512) + 2 * lin(512, 10) + lin(10, 512) + lin(512, 512) + bn(512) + lin(512, px);
  const aaeD = lin(10, 512) + lin(512, 256) + lin(256, 1);
  switch (arch) {
    case 'gan': case 'wgan': case 'wgan-gp': return [mlpG(100), mlpD];
    case 'dcgan': case 'dragan': return [dcG(100, true), dcD];
    case 'lsgan': return [dcG(100, false), dcD];
    case 'began': return [dcG(62, true), beganD];
    case 'vae': return [vae, 0];
    case 'aae': return [aaeG, aaeD];
  }
}

test('reference counts at 32 px, written out (PyTorch-GAN defaults, 3 channels)', () => {
  assert.deepEqual(reference('gan', 32), [3855232, 1704961]);
  assert.deepEqual(reference('dcgan', 32), [1051139, 98401]);
  assert.deepEqual(reference('lsgan', 32), [1050883, 98401]);
  assert.deepEqual(reference('began', 32), [739843, 1101347]);
  assert.deepEqual(reference('vae', 32), [2485512, 0]);
  assert.deepEqual(reference('aae', 32), [3692564, 137217]);
});

for (const r of [32, 64]) {
  for (const arch of BASELINE_ARCHS) {
    test(`${arch} at ${r} px: parameter counts and forward shapes equal the reference's`, () => {
      const cfg = baselineConfig(arch, r);
      const G = new BaselineGenerator(cfg, testRandom(1));
      const D = buildDiscriminator(cfg, testRandom(2));
      try {
        const [refG, refD] = reference(arch, r);
        assert.equal(G.store.numParams(), refG, 'G parameters');
        assert.equal(D.store.numParams(), refD, 'D parameters');
        tf.tidy(() => {
          const z = tf.randomNormal([2, cfg.zDim]) as tf.Tensor2D;
          assert.deepEqual(G.forward(z).shape, [2, r, r, 3]);
          assert.deepEqual(G.net.decode(z, true).shape, [2, r, r, 3]);
          const img = tf.randomUniform([2, r, r, 3], -1, 1) as tf.Tensor4D;
          if (arch === 'began') assert.deepEqual((D as { forward(x: tf.Tensor4D): tf.Tensor }).forward(img).shape, [2, r, r, 3]);
          else if (arch === 'aae') assert.deepEqual((D as { forward(x: tf.Tensor2D): tf.Tensor }).forward(z).shape, [2, 1]);
          else if (arch !== 'vae') assert.deepEqual((D as { forward(x: tf.Tensor4D): tf.Tensor }).forward(img).shape, [2, 1]);
        });
      } finally {
        G.dispose();
        D.dispose();
      }
    });
  }
}

test('generator: images in [-1, 1], eval mode is batch-independent, truncation refused with a clear message', () => {
  const G = new BaselineGenerator(baselineConfig('dcgan', 16), testRandom(3));
  try {
    tf.tidy(() => {
      const z = tf.randomNormal([3, 100]) as tf.Tensor2D;
      const all = G.forward(z).arraySync() as number[][][][];
      const one = G.forward(tf.slice(z, [1, 0], [1, 100]) as tf.Tensor2D).arraySync() as number[][][][];
      assert.ok(all.flat(3).every((v) => v >= -1 && v <= 1));
      // Running statistics, not the batch's: an image does not depend on the others in its batch.
      assert.ok(Math.max(...all[1].flat(2).map((v, i) => Math.abs(v - one[0].flat(2)[i]))) < 1e-5);
      assert.throws(() => G.forward(z, { truncationPsi: 0.7 }), /^Error: dcgan has no W space \(z goes straight into the generator\): truncation is available for the StyleGAN archs only$/);
      assert.deepEqual(G.mappingForward(z).shape, [3, 1, 100]);
    });
  } finally {
    G.dispose();
  }
});

test('dcgan D: Dropout2d zeroes whole channels with the given randomness, none without it', () => {
  const D = new DcganDiscriminator(baselineConfig('dcgan', 16), testRandom(4));
  try {
    tf.tidy(() => {
      const x = tf.randomUniform([4, 16, 16, 3], -1, 1) as tf.Tensor4D;
      const a = D.forward(x).dataSync(), b = D.forward(x).dataSync();
      assert.deepEqual(a, b, 'deterministic without dropout');
      const r1 = testRandom(9), r2 = testRandom(9);
      assert.deepEqual(D.forward(x, { dropout: r1 }).dataSync(), D.forward(x, { dropout: r2 }).dataSync(), 'same draws, same output');
      assert.notDeepEqual(D.forward(x, { dropout: testRandom(10) }).dataSync(), a);
    });
  } finally {
    D.dispose();
  }
});

test('bad resolution for the conv families: one line naming the arch and the rule', () => {
  assert.throws(() => baselineConfig('dcgan', 8), /^Error: --arch dcgan needs a resolution that is a multiple of 16, got 8$/);
});
