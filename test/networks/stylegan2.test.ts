/**
 * StyleGAN2 networks beyond the fixture: every architecture (G orig/skip/resnet, D
 * orig/skip/resnet), conditional networks, the import table covering exactly our parameters,
 * noise modes, and gradients (including R1's gradient of a gradient through D).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setup, testRandom } from '../helpers.js';
import type { StyleGAN2Config } from '../../src/networks/stylegan2/config.js';
import { defaultStyleGAN2Config } from '../../src/networks/stylegan2/config.js';
import { StyleGAN2Generator } from '../../src/networks/stylegan2/generator.js';
import { StyleGAN2Discriminator } from '../../src/networks/stylegan2/discriminator.js';
import { expandTable2 } from '../../src/io/stylegan2-table.js';

before(setup);

function tiny(over: Parameters<typeof defaultStyleGAN2Config>[0] = {}): StyleGAN2Config {
  return defaultStyleGAN2Config({
    zDim: 8, wDim: 8, imgResolution: 16, ...over,
    mapping: { numLayers: 2, ...over.mapping },
    synthesis: { channelBase: 64, channelMax: 8, convClamp: 256, ...over.synthesis },
    discriminator: { channelBase: 64, channelMax: 8, ...over.discriminator },
  });
}

const CONFIGS: Array<[string, StyleGAN2Config]> = [
  ['skip G / resnet D', tiny()],
  ['resnet G / skip D, conditional', tiny({ cDim: 3, synthesis: { architecture: 'resnet' }, discriminator: { architecture: 'skip', mappingLayers: 2 } })],
  ['orig G / orig D, no noise, mbstd off', tiny({ synthesis: { architecture: 'orig', useNoise: false }, discriminator: { architecture: 'orig', mbstdNumChannels: 0 } })],
];

const shapes = (entries: Array<[string, tf.Variable]>) => Object.fromEntries(entries.map(([k, v]) => [k, v.shape]));
const tableShapes = (cfg: StyleGAN2Config, which: 'G' | 'D') => Object.fromEntries(expandTable2(cfg, which).map((m) => [m.ours, m.shape]));

test('the import table covers exactly our networks\' parameters and buffers, with their shapes', () => {
  for (const [name, cfg] of [...CONFIGS, ['fixture-like', defaultStyleGAN2Config({ zDim: 128, wDim: 128, imgResolution: 32, synthesis: { channelBase: 1024, channelMax: 64 }, discriminator: { channelBase: 1024, channelMax: 64 } })] as [string, StyleGAN2Config]]) {
    const G = new StyleGAN2Generator(cfg), D = new StyleGAN2Discriminator(cfg);
    assert.deepEqual(tableShapes(cfg, 'G'), shapes(G.store.entries()), name);
    assert.deepEqual(tableShapes(cfg, 'D'), shapes(D.store.entries()), name);
    G.dispose();
    D.dispose();
  }
});

test('every architecture runs G and D forward with the right shapes, conditional ones with labels', () => {
  for (const [name, cfg] of CONFIGS) {
    const G = new StyleGAN2Generator(cfg, testRandom(1)), D = new StyleGAN2Discriminator(cfg, testRandom(2));
    assert.equal(G.numWs, 6, name); // 1 + 2 + 2 convs, + the last ToRGB
    const z = tf.randomNormal([4, cfg.zDim], 0, 1, 'float32', 3) as tf.Tensor2D;
    const c = cfg.cDim ? tf.cast(tf.oneHot([0, 1, 2, 0], 3), 'float32') as tf.Tensor2D : undefined;
    const img = G.forward(z, { c, truncationPsi: 0.7, noiseMode: 'random', noiseSeed: 5 });
    assert.deepEqual(img.shape, [4, 16, 16, 3], name);
    const logits = D.forward(img, c ?? null);
    assert.deepEqual(logits.shape, [4, 1], name);
    assert.ok([...logits.dataSync()].every(Number.isFinite), name);
    if (cfg.cDim) assert.throws(() => G.forward(z), /needs labels/);
    G.dispose();
    D.dispose();
  }
});

test('noise modes: const is deterministic, random with a seed is reproducible, none differs', () => {
  const cfg = tiny();
  const G = new StyleGAN2Generator(cfg, testRandom(4));
  for (const [k, v] of G.store.vars) if (k.endsWith('noiseStrength')) v.assign(tf.scalar(0.5));
  const z = tf.randomNormal([2, 8], 0, 1, 'float32', 6) as tf.Tensor2D;
  const run = (o: object) => G.forward(z, o).dataSync();
  const c1 = run({ noiseMode: 'const' }), c2 = run({ noiseMode: 'const' });
  assert.deepEqual(c1, c2);
  assert.deepEqual(run({ noiseMode: 'random', noiseSeed: 1 }), run({ noiseMode: 'random', noiseSeed: 1 }));
  const none = run({ noiseMode: 'none' });
  assert.ok(c1.some((v, i) => Math.abs(v - none[i]) > 1e-4));
  G.dispose();
});

test('gradients reach every trainable parameter of G and D', () => {
  for (const [name, cfg] of CONFIGS) {
    const G = new StyleGAN2Generator(cfg, testRandom(7)), D = new StyleGAN2Discriminator(cfg, testRandom(8));
    const z = tf.randomNormal([4, cfg.zDim], 0, 1, 'float32', 9) as tf.Tensor2D;
    const c = cfg.cDim ? tf.cast(tf.oneHot([0, 1, 2, 0], 3), 'float32') as tf.Tensor2D : undefined;
    const vars = [...G.store.vars.values(), ...D.store.vars.values()];
    const { grads } = tf.variableGrads(() => tf.sum(D.forward(G.forward(z, { c, noiseMode: 'random', noiseSeed: 1 }), c ?? null)) as tf.Scalar, vars);
    for (const [k, v] of [...G.store.vars, ...D.store.vars]) {
      const g = grads[v.name];
      assert.ok(g, `${name}: no gradient for ${k}`);
      assert.ok([...g.dataSync()].every(Number.isFinite), `${name}: non-finite gradient for ${k}`);
    }
    // mapping.fc0 gets a gradient through w (not only its bias): the whole chain is connected.
    assert.ok([...grads[G.store.get('mapping.fc0.weight').name].dataSync()].some((v) => v !== 0), name);
    G.dispose();
    D.dispose();
  }
});

test('R1: the gradient of |dD/dx|^2 with respect to D\'s weights exists and is finite', () => {
  const cfg = tiny();
  const D = new StyleGAN2Discriminator(cfg, testRandom(10));
  const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
  const vars = [...D.store.vars.values()];
  const { value, grads } = tf.variableGrads(() => {
    const dx = tf.grad((img: tf.Tensor) => tf.sum(D.forward(img as tf.Tensor4D)))(x);
    return tf.sum(tf.square(dx)) as tf.Scalar;
  }, vars);
  assert.ok(Number.isFinite(value.dataSync()[0]) && value.dataSync()[0] > 0);
  const w = grads[D.store.get('b16.conv0.weight').name];
  assert.ok(w && [...w.dataSync()].every(Number.isFinite) && [...w.dataSync()].some((v) => v !== 0));
  D.dispose();
});
