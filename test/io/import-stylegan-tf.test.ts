/**
 * Importer for NVIDIA's original StyleGAN TF pickles, on the tiny fixture in
 * test/fixtures/stylegan-tf-tiny (see /work/shared/fixtures/README.md): names, layouts, config,
 * strictness, and end-to-end parity of our generator with the reference images.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { setup, tinyConfig } from '../helpers.js';
import { importStyleganTf, mapNetwork, readStyleganTfPickle, type TfNetwork } from '../../src/io/import-stylegan-tf.js';
import { expandTable } from '../../src/io/stylegan-tf-table.js';
import { PickleError } from '../../src/io/pickle.js';
import { defaultConfig, type StyleGANConfig } from '../../src/networks/stylegan/config.js';
import { Generator } from '../../src/networks/stylegan/generator.js';
import { Discriminator } from '../../src/networks/stylegan/discriminator.js';
import { seedToZ } from '../../src/sampling/rng.js';
import { parseNpy } from '../../src/io/npy.js';

before(setup);

const dir = new URL('../fixtures/stylegan-tf-tiny/', import.meta.url);
const pkl = Uint8Array.from(readFileSync(new URL('network.pkl', dir)));
const fixture = JSON.parse(readFileSync(new URL('fixture.json', dir), 'utf8')) as {
  cases: Array<{ seed: number; trunc: number; trunc_cutoff: number; npy: string }>;
};

function storeShapes(entries: Array<[string, tf.Variable]>): Record<string, number[]> {
  return Object.fromEntries(entries.map(([k, v]) => [k, v.shape]));
}
const tableShapes = (cfg: StyleGANConfig, which: 'G' | 'D') => Object.fromEntries(expandTable(cfg, which).map((m) => [m.ours, m.shape]));

test('the table covers exactly our networks\' parameters, with their shapes', () => {
  for (const cfg of [tinyConfig(), tinyConfig({ imgResolution: 128, channelBase: 1024, channelMax: 32 }), defaultConfig({ imgResolution: 64, channelBase: 4096, channelMax: 64, zDim: 32, wDim: 48 })]) {
    const g = new Generator(cfg);
    const d = new Discriminator(cfg);
    assert.deepEqual(tableShapes(cfg, 'G'), storeShapes(g.store.entries()));
    assert.deepEqual(tableShapes(cfg, 'D'), storeShapes(d.store.entries()));
    g.dispose();
    d.dispose();
  }
});

test('reads the (G, D, Gs) networks with their kwargs, components and variables', () => {
  const { G, D, Gs } = readStyleganTfPickle(pkl, 'network.pkl');
  assert.deepEqual([G.name, D.name, Gs.name], ['G', 'D', 'Gs']);
  assert.deepEqual([Gs.buildFuncName, D.buildFuncName], ['G_style', 'D_basic']);
  assert.deepEqual(Object.keys(Gs.components).sort(), ['mapping', 'synthesis']);
  assert.equal(Gs.components.mapping.staticKwargs.dlatent_broadcast, 12);
  assert.deepEqual(Gs.variables.get('dlatent_avg')!.shape, [64]);
  assert.deepEqual(Gs.variables.get('lod')!.shape, []);
  assert.deepEqual(Gs.components.synthesis.variables.get('4x4/Const/const')!.shape, [1, 32, 4, 4]);
  assert.deepEqual(Gs.components.synthesis.variables.get('128x128/Conv0_up/weight')!.shape, [3, 3, 16, 8]);
});

test('imports Gs as G_ema: config from static_kwargs + NVIDIA defaults, layouts converted', () => {
  const r = importStyleganTf(pkl, 'network.pkl', { withG: true });
  assert.deepEqual(r.config, defaultConfig({
    zDim: 64, wDim: 64, mappingFmaps: 64, mappingLayers: 8, mappingLrMul: 0.01, imgResolution: 128, imgChannels: 3,
    channelBase: 1024, channelMax: 32, fusedScale: 'auto', useNoise: true,
  }));
  assert.deepEqual(r.kwargs.style, { truncation_psi: 0.7, truncation_cutoff: 8, dlatent_avg_beta: 0.995, style_mixing_prob: 0.9 });
  assert.equal(r.lod, 0);
  assert.deepEqual(Object.keys(r.G_ema).sort(), Object.keys(tableShapes(r.config, 'G')).sort());
  const tf0 = readStyleganTfPickle(pkl, 'network.pkl').Gs.components.synthesis.variables;
  // const [1, C, 4, 4] -> [1, 4, 4, C]; noise [1, 1, R, R] -> [1, R, R, 1]; conv HWIO kept.
  const c = tf0.get('4x4/Const/const')!.data, ours = r.G_ema['synthesis.b4.const'].data;
  for (const [ch, y, x] of [[0, 0, 0], [5, 1, 2], [31, 3, 3]]) assert.equal(ours[(y * 4 + x) * 32 + ch], c[(ch * 4 + y) * 4 + x]);
  assert.deepEqual(r.G_ema['synthesis.b8.conv1.noiseConst'].data, tf0.get('noise3')!.data);
  assert.deepEqual(r.G_ema['synthesis.b4.conv0.noiseStrength'].data, tf0.get('4x4/Const/Noise/weight')!.data);
  assert.deepEqual(r.G_ema['synthesis.b128.torgb.weight'].data, tf0.get('ToRGB_lod0/weight')!.data);
  assert.deepEqual(r.G_ema['synthesis.b4.torgb.bias'].data, tf0.get('ToRGB_lod5/bias')!.data);
  // G is the training generator: other weights, same names.
  assert.deepEqual(Object.keys(r.G!), Object.keys(r.G_ema));
  assert.notDeepEqual(r.G!['mapping.fc0.weight'].data, r.G_ema['mapping.fc0.weight'].data);
});

test('our generator reproduces the reference images from Gs (psi 1 and 0.7, cutoff 8, stored noise)', () => {
  const r = importStyleganTf(pkl, 'network.pkl');
  const g = new Generator(r.config);
  g.store.loadRaw(r.G_ema, 'network.pkl');
  let worst = 0;
  for (const c of fixture.cases) {
    const ref = parseNpy(Uint8Array.from(readFileSync(new URL(c.npy, dir))), c.npy);
    assert.deepEqual([ref.dtype, ref.shape], ['<f4', [3, 128, 128]]);
    const want = ref.data as Float32Array;
    const img = tf.tidy(() => tf.transpose(g.forward(tf.tensor2d(seedToZ(c.seed, 64), [1, 64]), {
      truncationPsi: c.trunc, truncationCutoff: c.trunc_cutoff, noiseMode: 'const',
    }), [0, 3, 1, 2]));
    const out = img.dataSync();
    img.dispose();
    let m = 0;
    for (let i = 0; i < out.length; i++) m = Math.max(m, Math.abs(out[i] - want[i]));
    assert.ok(m < 1e-3, `${c.npy}: max abs diff ${m}`);
    worst = Math.max(worst, m);
  }
  g.dispose();
  console.log(`# stylegan-tf-tiny parity: max abs diff ${worst.toExponential(2)} over ${fixture.cases.length} cases`);
});

test('D: the fixture\'s partial D is rejected naming the missing variables; a full one maps (Dense0 rows to NHWC)', () => {
  assert.throws(() => importStyleganTf(pkl, 'network.pkl', { withD: true }),
    /^Error: network\.pkl: D does not match a StyleGAN with this config: missing TF variables D\/FromRGB_lod5\/weight, .*\(and \d+ more\)$/);
  const cfg = tinyConfig();
  const rows = expandTable(cfg, 'D');
  const variables = new Map(rows.map((m, k) => {
    const n = m.shape.reduce((a, b) => a * b, 1);
    return [m.tf, { dtype: 'float32', shape: m.shape, data: Float32Array.from({ length: n }, (_, i) => k * 1000 + i) }];
  }));
  const D: TfNetwork = { name: 'D', buildFuncName: 'D_basic', staticKwargs: {}, variables, components: {} };
  const out = mapNetwork({ D }, cfg, 'D', 'D', 'synthetic');
  const c = 8, cols = out['b4.fc0.weight'].shape[1], src = variables.get('4x4/Dense0/weight')!.data;
  for (const [h, w, ch, j] of [[0, 0, 0, 0], [1, 2, 3, 4], [3, 3, 7, cols - 1]]) {
    assert.equal(out['b4.fc0.weight'].data[((h * 4 + w) * c + ch) * cols + j], src[(ch * 16 + h * 4 + w) * cols + j]);
  }
  variables.set('extra/weight', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
  assert.throws(() => mapNetwork({ D }, cfg, 'D', 'D', 'synthetic'), /unknown TF variables D\/extra\/weight/);
  variables.delete('extra/weight');
  variables.set('4x4/Conv/bias', { dtype: 'float32', shape: [9], data: new Float32Array(9) });
  assert.throws(() => mapNetwork({ D }, cfg, 'D', 'D', 'synthetic'), /TF variable 4x4\/Conv\/bias has shape \[9\], which does not give b4\.conv\.bias \[8\]/);
});

/** Replaces every occurrence of an ASCII string by another of the same length. */
function patch(bytes: Uint8Array, from: string, to: string): Uint8Array {
  assert.equal(from.length, to.length);
  const b = Buffer.from(bytes);
  let i = 0, n = 0;
  while ((i = b.indexOf(from, i, 'latin1')) >= 0) { b.write(to, i, 'latin1'); i += from.length; n++; }
  assert.ok(n > 0, `${from} not found`);
  return Uint8Array.from(b);
}

test('unknown or missing variables, other build functions and unsupported kwargs are errors naming them', () => {
  assert.throws(() => importStyleganTf(patch(pkl, 'Dense7/bias', 'Dense7/bIas'), 'x.pkl'),
    /^Error: x\.pkl: Gs does not match a StyleGAN with this config: missing TF variables mapping\/Dense7\/bias; unknown TF variables mapping\/Dense7\/bIas$/);
  assert.throws(() => importStyleganTf(patch(pkl, 'G_style', 'G_main_'), 'x.pkl'),
    /x\.pkl: Gs was built by G_main_, expected G_style \(only the original 2019 StyleGAN is supported\)/);
  assert.throws(() => importStyleganTf(patch(pkl, 'fmap_max', 'fmap_Max'), 'x.pkl'), /x\.pkl: Gs does not match .*TF variable 4x4\/Const\/const has shape \[1,32,4,4\], which does not give synthesis\.b4\.const \[1,4,4,256\]/);
});

test('not a StyleGAN network: a plain dict, a truncated file, a file with a disallowed global', () => {
  // pickle.dumps({'a': 1}, protocol=2)
  const dict = Uint8Array.from([0x80, 2, 0x7d, 0x71, 0, 0x58, 1, 0, 0, 0, 0x61, 0x71, 1, 0x4b, 1, 0x73, 0x2e]);
  assert.throws(() => importStyleganTf(dict, 'dict.pkl'),
    /^Error: dict\.pkl: not an original StyleGAN TensorFlow pickle \(expected the tuple \(G, D, Gs\), got a dict with keys a\)$/);
  for (let n = 0; n < pkl.length; n += 4099) {
    assert.throws(() => importStyleganTf(pkl.subarray(0, n), 'cut.pkl'), (e: Error) =>
      e instanceof PickleError && /^Cannot read cut\.pkl: truncated pickle .* at byte \d+$/.test(e.message), `prefix ${n}`);
  }
  // The fixture with its first class reference (STACK_GLOBAL at byte 44) turned into os.system.
  const evil = Uint8Array.from([0x80, 4, 0x8c, 2, ...Buffer.from('os'), 0x94, 0x8c, 6, ...Buffer.from('system'), 0x94, ...pkl.subarray(44)]);
  assert.throws(() => importStyleganTf(evil, 'evil.pkl'), /^PickleError: Refusing to load evil\.pkl: pickle references disallowed global os\.system/);
});
