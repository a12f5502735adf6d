/**
 * Steering a conditional StyleGAN-XL network (the stylegan-xl-tiny fixture): truncation sweeps,
 * style mixing and interpolation take a class (interpolation also one per keyframe, crossing
 * classes), projection starts in the W of a class; keyframes and untouched cells equal
 * gen_images.py's images.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { setup, maxAbsDiff } from '../helpers.js';
import { importStyleGANXL } from '../../src/io/import-stylegan-xl.js';
import { StyleGANXLGenerator } from '../../src/networks/stylegan-xl/generator.js';
import { parseNpy } from '../../src/io/npy.js';
import { truncationGrid } from '../../src/sampling/truncation-grid.js';
import { styleMixGrid } from '../../src/sampling/style-mixing.js';
import { interpolate } from '../../src/sampling/interpolate.js';
import { wStats } from '../../src/sampling/project.js';

const FIX = new URL('../fixtures/stylegan-xl-tiny/', import.meta.url);
let G: StyleGANXLGenerator;
before(async () => {
  await setup();
  const r = importStyleGANXL(new Uint8Array(readFileSync(new URL('network.pkl', FIX))), 'network.pkl');
  G = new StyleGANXLGenerator(r.config);
  G.store.loadRaw(r.G_ema);
});

/** The official float image [3, 32, 32] as [32, 32, 3]. */
function official(f: string): Float32Array {
  const d = parseNpy(new Uint8Array(readFileSync(new URL(f, FIX)))).data as Float32Array;
  const o = new Float32Array(d.length);
  for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) o[p * 3 + c] = d[c * 1024 + p];
  return o;
}

test('truncation and mixing take the class; psi 1 cells are the official images, psi 0 the class\'s w_avg image', async () => {
  const rows = await truncationGrid(G, [3], [1, 0], { classIdx: 3 });
  assert.ok(maxAbsDiff(rows[0][0], official('seed0003-psi1.0.npy')) < 1e-5);
  const avg = tf.tidy(() => G.synthesis.forward(tf.tile(tf.reshape(tf.slice(G.wAvg, [3, 0], [1, 256]), [1, 1, 256]), [1, G.numWs, 1]) as tf.Tensor3D));
  assert.ok(maxAbsDiff(rows[0][1], avg.dataSync()) < 1e-5);
  avg.dispose();
  await assert.rejects(truncationGrid(G, [3], [1]), /give a class index \(--class\)/);
  const g = await styleMixGrid(G, [1], [2], [0, 1, 2], { classIdx: 1, truncationPsi: 0.7 });
  assert.ok(maxAbsDiff(g.rows[0], official('seed0001-psi0.7.npy')) < 1e-5);
  assert.ok(maxAbsDiff(g.cells[0][0], g.rows[0]) > 1e-3, 'mixed styles change the image');
});

test('interpolation across classes: keyframes are the official images of their classes, frames between mix the labels', async () => {
  const frames: Float32Array[] = [];
  const before = tf.memory().numTensors;
  await interpolate(G, [1, 2], { frames: 4, classes: [1, 2] }, (_, cells) => { frames.push(cells[0]); });
  assert.equal(tf.memory().numTensors, before);
  assert.ok(maxAbsDiff(frames[0], official('seed0001-psi1.0.npy')) < 1e-5);
  assert.ok(maxAbsDiff(frames[2], official('seed0002-psi1.0.npy')) < 1e-5);
  assert.ok(maxAbsDiff(frames[1], frames[0]) > 1e-3 && maxAbsDiff(frames[1], frames[2]) > 1e-3);
  // W walks: keyframes truncated towards their own class rows.
  const w: Float32Array[] = [];
  await interpolate(G, [1, 2], { frames: 2, space: 'w', classes: [1, 2], truncationPsi: 0.7 }, (_, cells) => { w.push(cells[0]); });
  assert.ok(maxAbsDiff(w[1], official('seed0002-psi0.7.npy')) < 1e-5);
  await assert.rejects(interpolate(G, [1, 2], { frames: 2 }, () => {}), /give one class per seed/);
});

test('projection statistics come from the class\'s labels', async () => {
  const a = await wStats(G, 200, 1), b = await wStats(G, 200, 2);
  assert.ok(maxAbsDiff(a.wAvg, b.wAvg) > 1e-3);
  await assert.rejects(wStats(G, 10), /give a class index/);
});
