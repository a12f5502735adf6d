import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../src/backend/node.js';
import { Trainer, DEFAULT_HYPER } from '../../src/training/trainer.js';
import { tinyConfig } from '../helpers.js';

// Whole training steps (D with R1, G, EMA) on 'native' give the losses of the cpu reference.
async function losses(backend: 'cpu' | 'native'): Promise<number[]> {
  await initNodeBackend(backend, true);
  const cfg = tinyConfig();
  const r = cfg.imgResolution;
  const sample = (idx: number[]) => Float32Array.from({ length: idx.length * r * r * 3 }, (_, i) => Math.sin(i * 0.37 + idx[Math.floor(i / (r * r * 3))]));
  const t = new Trainer(cfg, { ...DEFAULT_HYPER, batch: 2, seed: 3 }, { numImages: 5, mirror: true, sample });
  const out: number[] = [];
  for (let i = 0; i < 2; i++) {
    const s = t.trainStep();
    out.push(s.lossD, s.lossG, s.penalty);
  }
  t.dispose();
  return out;
}

test('training steps on native match cpu within 1e-4', async () => {
  const ref = await losses('cpu');
  const got = await losses('native');
  assert.equal(tf.getBackend(), 'native');
  for (let i = 0; i < ref.length; i++) {
    assert.ok(Number.isFinite(ref[i]), `loss ${i} is ${ref[i]}`);
    assert.ok(Math.abs(got[i] - ref[i]) <= 1e-4 * Math.max(1, Math.abs(ref[i])), `loss ${i}: native ${got[i]} vs cpu ${ref[i]}`);
  }
});
