/**
 * The baselines' trainer on a toy set (8 random images, 16 px, batch 8): each minimised objective
 * is lower after its update than before (same batch, same randomness), no tensor leaks across
 * steps, and a snapshot resumes to the same bits as an uninterrupted run.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { assertSameBits, setup, tinyData } from '../helpers.js';
import { BASELINE_ARCHS, baselineConfig, type BaselineArch } from '../../src/networks/baselines/config.js';
import { BaselineTrainer } from '../../src/training/baselines/trainer.js';
import { BASELINE_HYPER } from '../../src/training/baselines/hyper.js';
import type { RawTensor } from '../../src/networks/params.js';

before(setup);

function trainer(arch: BaselineArch, lrScaleG = 1): BaselineTrainer {
  const h = BASELINE_HYPER[arch];
  return new BaselineTrainer(baselineConfig(arch, 16), { ...h, batch: 8, seed: 3, lrG: h.lrG * lrScaleG }, tinyData(16, 8));
}

type Minimize = (opt: unknown, vars: tf.Variable[], loss: () => tf.Scalar) => tf.Scalar;

for (const arch of BASELINE_ARCHS) {
  test(`${arch}: every update lowers the objective it minimises (re-evaluated with the same batch and randomness)`, () => {
    // The DCGAN family's G at 50x the reference lr: at 2e-4 one G step moves the output of D (conv
    // weights N(0, 0.02)) by about one float32 ulp of the loss. Everything else at the reference lr.
    const tr = trainer(arch, ['dcgan', 'lsgan', 'dragan'].includes(arch) ? 50 : 1);
    const t = tr as unknown as { minimize: Minimize };
    const orig = t.minimize.bind(tr);
    const pairs: Array<[number, number]> = [];
    t.minimize = (opt, vars, loss) => {
      const rng = tr.rng.getState();
      const value = orig(opt, vars, loss), v = value.dataSync()[0];
      const next = tr.rng.getState();
      tr.rng.setState(rng); // the same dropout masks and draws as the update saw
      const again = tf.tidy(() => loss().dataSync()[0]);
      tr.rng.setState(next);
      pairs.push([v, again]);
      return value;
    };
    try {
      for (let i = 0; i < 3; i++) tr.trainStep();
    } finally {
      tr.dispose();
    }
    assert.ok(pairs.length >= 3, `${pairs.length} updates`);
    for (const [b, a] of pairs) assert.ok(a < b, `${arch}: objective ${b} -> ${a} after its update (all: ${JSON.stringify(pairs)})`);
  });
}

test('no tensor leaks: tf.memory().numTensors is flat across steps for every arch', () => {
  for (const arch of BASELINE_ARCHS) {
    const tr = trainer(arch);
    try {
      tr.trainStep();
      const n = tf.memory().numTensors;
      for (let i = 0; i < 6; i++) tr.trainStep(); // spans the WGAN critic cycle
      assert.equal(tf.memory().numTensors, n, `${arch} leaks`);
      tr.toSnapshot();
      const z = tf.randomNormal([2, tr.cfg.zDim]) as tf.Tensor2D;
      tr.emaImages(z).dispose();
      z.dispose();
      assert.equal(tf.memory().numTensors, n, `${arch} leaks outside the step`);
    } finally {
      tr.dispose();
    }
  }
});

const modules = (s: ReturnType<BaselineTrainer['toSnapshot']>) => s.modules as Record<string, Record<string, RawTensor>>;

for (const arch of ['dcgan', 'wgan', 'began', 'vae', 'aae'] as const) {
  test(`${arch}: resuming from a snapshot gives the same bits as an uninterrupted run`, () => {
    const a = trainer(arch), b = trainer(arch);
    try {
      for (let i = 0; i < 4; i++) a.trainStep();
      for (let i = 0; i < 2; i++) b.trainStep();
      const c = trainer(arch);
      try {
        c.loadSnapshot(b.toSnapshot(), 'mid-run');
        for (let i = 0; i < 2; i++) c.trainStep();
        const sa = a.toSnapshot(), sc = c.toSnapshot();
        assertSameBits(modules(sa), modules(sc));
        assert.deepEqual(sc.training, sa.training);
      } finally {
        c.dispose();
      }
    } finally {
      a.dispose();
      b.dispose();
    }
  });
}
