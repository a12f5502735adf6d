import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, maxAbsDiff } from '../helpers.js';
import { tinyGenerator } from './tiny-net.js';
import { seedsToZ, generateImages } from '../../src/sampling/generate.js';
import { parseStyles, stylePresetIndices, styleMixGrid, styleMixTiles, mixWs } from '../../src/sampling/style-mixing.js';
import { truncationGrid } from '../../src/sampling/truncation-grid.js';
import { noiseStudy } from '../../src/sampling/noise-study.js';
import type { Generator } from '../../src/networks/stylegan/generator.js';

before(setup);

/** ws [1, numWs, wDim] of one seed as nested arrays. */
function wsOf(G: Generator, seed: number): number[][] {
  return tf.tidy(() => G.mappingForward(seedsToZ([seed], G.cfg.zDim)).arraySync()[0]);
}

function synth(G: Generator, ws: number[][]): Float32Array {
  return tf.tidy(() => G.synthesis.forward(tf.tensor3d([ws]), { noiseMode: 'const' }).dataSync() as Float32Array);
}

test('style presets: 2 styles per resolution, coarse 4-8 px, middle 16-32 px, fine 64 px+, clipped', () => {
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  assert.deepEqual(stylePresetIndices('coarse', 18), [0, 1, 2, 3]);
  assert.deepEqual(stylePresetIndices('middle', 18), [4, 5, 6, 7]);
  assert.deepEqual(stylePresetIndices('fine', 18), range(8, 17));
  assert.deepEqual(stylePresetIndices('fine', 8), []); // 32 px: nothing at 64 px and up
  assert.deepEqual(stylePresetIndices('middle', 6), [4, 5]); // 16 px: only the 16 px styles
  assert.deepEqual(parseStyles('fine', 14), range(8, 13));
  assert.deepEqual(parseStyles('0-6', 18), range(0, 6));
  assert.deepEqual(parseStyles('4-5,0,2,2', 18), [0, 2, 4, 5]);
  assert.throws(() => parseStyles('0-6', 6), /out of range.*6 styles/);
  assert.throws(() => parseStyles('x', 6), /not an index/);
});

test('mixWs copies exactly the chosen styles from the column w', () => {
  const row = tf.tensor2d([[1, 1], [2, 2], [3, 3]]), col = tf.tensor2d([[7, 7], [8, 8], [9, 9]]);
  assert.deepEqual(mixWs(row, col, [0, 2]).arraySync(), [[7, 7], [2, 2], [9, 9]]);
  assert.deepEqual(mixWs(row, col, []).arraySync(), row.arraySync());
});

test('style-mixing grid cells are the synthesis of the manually mixed ws (w[row][styles] = w[col][styles])', async () => {
  const G = tinyGenerator();
  const rows = [85, 100], cols = [55, 821, 1789], styles = [0, 1, 2];
  const g = await styleMixGrid(G, rows, cols, styles, { noiseMode: 'const' });
  for (let i = 0; i < rows.length; i++) {
    const rowWs = wsOf(G, rows[i]);
    assert.ok(maxAbsDiff(g.rows[i], synth(G, rowWs)) < 1e-5, 'row source image');
    for (let j = 0; j < cols.length; j++) {
      const colWs = wsOf(G, cols[j]);
      const mixed = rowWs.map((w, s) => (styles.includes(s) ? colWs[s] : w));
      const want = synth(G, mixed);
      assert.ok(maxAbsDiff(g.cells[i][j], want) < 1e-5, `cell ${rows[i]}-${cols[j]}`);
      // The mix must matter: neither parent image.
      assert.ok(maxAbsDiff(g.cells[i][j], g.rows[i]) > 1e-2 && maxAbsDiff(g.cells[i][j], g.cols[j]) > 1e-2);
    }
  }
  const tiles = styleMixTiles(g);
  assert.equal(tiles.length, (rows.length + 1) * (cols.length + 1));
  assert.equal(tiles[0], null);
  assert.equal(tiles[1], g.cols[0]);
  assert.equal(tiles[cols.length + 1], g.rows[0]);
  assert.equal(tiles[cols.length + 2], g.cells[0][0]);
  G.dispose();
});

test('truncation grid: psi 0 is the w_avg image for every seed, psi 1 the plain image', async () => {
  const G = tinyGenerator();
  const seeds = [0, 1, 2], psis = [0, 0.5, 1];
  const grid = await truncationGrid(G, seeds, psis);
  const avgImage = synth(G, Array.from({ length: G.numWs }, () => Array.from(G.wAvg.dataSync())));
  const plain = await generateImages(G, seeds, { noiseMode: 'const' });
  seeds.forEach((s, i) => {
    assert.ok(maxAbsDiff(grid[i][0], avgImage) < 1e-5, `seed ${s} psi 0`);
    assert.ok(maxAbsDiff(grid[i][2], plain[i].data) < 1e-5, `seed ${s} psi 1`);
    assert.ok(maxAbsDiff(grid[i][1], avgImage) > 1e-2 && maxAbsDiff(grid[i][1], plain[i].data) > 1e-2, `seed ${s} psi 0.5`);
  });
  assert.ok(maxAbsDiff(plain[0].data, plain[1].data) > 1e-2, 'seeds differ');
  G.dispose();
});

test('noise: const and none differ with nonzero strengths; the study isolates layers', async () => {
  const G = tinyGenerator(3, 0.05);
  const [c] = await generateImages(G, [4], { noiseMode: 'const' });
  const [n] = await generateImages(G, [4], { noiseMode: 'none' });
  assert.ok(maxAbsDiff(c.data, n.data) > 1e-3);
  const tensors = tf.memory().numTensors;
  const s = await noiseStudy(G, 4, { samples: 12, keep: 3, batch: 5 });
  assert.equal(tf.memory().numTensors, tensors, 'no tensors leak');
  assert.equal(s.samples.length, 3);
  assert.ok(maxAbsDiff(s.samples[0], s.samples[1]) > 1e-3, 'draws differ');
  assert.ok(Math.max(...s.std) > 1e-3);
  assert.equal(Math.max(...s.stdDisplay), 255);
  assert.ok(maxAbsDiff(s.variants.all, c.data) < 1e-5, 'all = const');
  assert.ok(maxAbsDiff(s.variants.none, n.data) < 1e-5, 'none = no noise');
  for (const part of ['fine', 'coarse'] as const) {
    assert.ok(maxAbsDiff(s.variants[part], c.data) > 1e-4 && maxAbsDiff(s.variants[part], n.data) > 1e-4, part);
  }
  // The stored noise maps are put back after the study.
  const [again] = await generateImages(G, [4], { noiseMode: 'const' });
  assert.ok(maxAbsDiff(again.data, c.data) === 0);
  G.dispose();
});

test('noise: with every noise strength zero the std is float32 rounding only, shown black; all = none exactly', async () => {
  const G = tinyGenerator(3, 0);
  const s = await noiseStudy(G, 4, { samples: 6 });
  // Not exactly 0: images at different batch positions may round differently (OpenBLAS's
  // AVX-512 sgemm does; ~3e-7 here). 2^-16 is ~100 float32 ulps of pixels near 1, and 100x
  // below the std that 0.05 noise strengths give (the test above).
  assert.ok(Math.max(...s.std) < 2 ** -16, `std ${Math.max(...s.std)}`);
  assert.equal(Math.max(...s.stdDisplay), 0);
  // Each variant is its own batch of one: the same kernels on the same data, so the same bits.
  assert.ok(maxAbsDiff(s.variants.all, s.variants.none) === 0);
  G.dispose();
});

test('studies work on a StyleGAN2 generator too (official pickle fixture): noise maps found by name', async () => {
  const { loadAnyNetwork } = await import('../../src/cli/network.js');
  const G = await loadAnyNetwork('test/fixtures/stylegan2-ada-tiny/network.pkl');
  assert.equal(G.cfg.arch, 'stylegan2');
  const [c] = await generateImages(G, [1], { noiseMode: 'const' });
  const s = await noiseStudy(G, 1, { samples: 4 });
  assert.ok(maxAbsDiff(s.variants.all, c.data) < 1e-5, 'all = const');
  assert.ok(maxAbsDiff(s.variants.all, s.variants.none) > 1e-3);
  const g = await styleMixGrid(G, [1], [2], parseStyles('coarse', G.numWs));
  assert.ok(maxAbsDiff(g.cells[0][0], g.rows[0]) > 1e-3);
  const t = await truncationGrid(G, [1, 2], [0]);
  assert.ok(maxAbsDiff(t[0][0], t[1][0]) < 1e-5, 'psi 0: same image for every seed');
  G.dispose();
});
