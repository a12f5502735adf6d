/**
 * Long runs do not leak: hundreds of training steps of a tiny net through the whole loop
 * (ticks, stats, snapshots, fakes grids) keep tf's tensor count flat and RSS roughly flat.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { runTraining } from '../../src/training/loop.js';
import { DEFAULT_HYPER } from '../../src/training/trainer.js';
import { setup, tinyConfig } from '../helpers.js';

let tmp = '';
before(async () => {
  await setup();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-memory-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('200 training steps: tensor count flat, RSS roughly flat, nothing left after the run', async () => {
  const steps = 200, batch = 4;
  const opts = {
    tick: 0.2, snap: 2, grid: [2, 2] as [number, number], maxImages: 16,
    config: tinyConfig({ imgResolution: 8 }), hyper: { ...DEFAULT_HYPER, batch, growth: { ...DEFAULT_HYPER.growth, enabled: false } },
  };
  const start = tf.memory().numTensors;
  // A short run and its resume (loading weights and optimizer state) leave nothing behind.
  await runTraining({ ...opts, outdir: path.join(tmp, 'short'), kimg: 0.008 });
  await runTraining({ ...opts, outdir: path.join(tmp, 'short'), kimg: 0.016, resume: 'latest' });
  assert.equal(tf.memory().numTensors, start, 'a run and a resumed run dispose everything they made');
  const before = tf.memory().numTensors;
  const tensors: number[] = [], rss: number[] = [];
  const t0 = Date.now();
  await runTraining({
    ...opts, outdir: path.join(tmp, 'run'), kimg: (steps * batch) / 1000,
    progress: () => {
      tensors.push(tf.memory().numTensors);
      rss.push(process.memoryUsage.rss());
    },
  });
  const secs = (Date.now() - t0) / 1000;
  assert.equal(tensors.length, steps);
  // After a few warm-up steps (lazily built kernels, cached noise), the count must not move.
  const settled = tensors.slice(10);
  assert.equal(Math.max(...settled), Math.min(...settled), `tensor count went from ${Math.min(...settled)} to ${Math.max(...settled)}`);
  assert.equal(tf.memory().numTensors, before, 'the long run disposes everything it made');
  // Lows of a late and an early window: snapshot and PNG buffers come and go until the next GC.
  const growth = (Math.min(...rss.slice(steps - 50)) - Math.min(...rss.slice(30, 80))) / 2 ** 20;
  // Slack for the allocator and GC timing; a leak of one batch per step would be far more.
  assert.ok(growth < 150, `RSS grew ${growth.toFixed(0)} MiB over ~${steps - 80} steps`);
  console.log(`memory test: ${steps} steps in ${secs.toFixed(1)} s, ${settled[0]} tensors throughout, RSS ${(growth >= 0 ? '+' : '')}${growth.toFixed(1)} MiB`);
  assert.ok(fs.readdirSync(path.join(tmp, 'run')).some((f) => f.endsWith('.safetensors')));
});
