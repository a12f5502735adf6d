/** loadGenerator(bytes): one call for every family's file, told apart by content, not by name. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { setup } from '../helpers.js';
import { loadGenerator } from '../../src/sampling/load-generator.js';
import { encodeSnapshot } from '../../src/io/snapshot.js';
import { readNetworkBytes } from '../../src/io/network-bytes.js';
import { seedsToZ } from '../../src/sampling/generate.js';

before(setup);
const read = (f: string) => new Uint8Array(readFileSync(new URL(`../fixtures/${f}`, import.meta.url)));

test('TF StyleGAN, stylegan2-ada, stylegan3, StyleGAN-XL pickles and our checkpoint give a generator each', () => {
  const cases: Array<[string, string]> = [
    ['stylegan-tf-tiny/network.pkl', 'stylegan'], ['stylegan2-ada-tiny/network.pkl', 'stylegan2'],
    ['stylegan3-tiny/t32/network.pkl', 'stylegan3'], ['stylegan-xl-tiny/stem16/network.pkl', 'stylegan-xl'],
  ];
  for (const [file, arch] of cases) {
    const G = loadGenerator(read(file), file);
    try {
      assert.equal(G.cfg.arch, arch, file);
      const c = G.cfg.cDim > 0 ? tf.cast(tf.oneHot(tf.tensor1d([1], 'int32'), G.cfg.cDim), 'float32') as tf.Tensor2D : undefined;
      const img = tf.tidy(() => G.forward(seedsToZ([1], G.cfg.zDim), { c }));
      assert.deepEqual(img.shape, [1, G.cfg.imgResolution, G.cfg.imgResolution, G.cfg.imgChannels]);
      tf.dispose([img, c]);
    } finally {
      G.dispose();
    }
  }
  const snap = readNetworkBytes(read('stylegan-xl-tiny/stem16/network.pkl'), 'stem16.pkl');
  const G = loadGenerator(encodeSnapshot({ config: snap.config, modules: { G_ema: snap.modules.G_ema } }), 'stem16.safetensors');
  assert.equal(G.cfg.arch, 'stylegan-xl');
  G.dispose();
  assert.throws(() => loadGenerator(new Uint8Array([0x80, 4, 0x4e, 0x2e]), 'none.pkl'), /^Error: none\.pkl: not a network pickle this version can read/);
});
