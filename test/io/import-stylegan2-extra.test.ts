/**
 * Parity on two more official networks (test/fixtures/stylegan2-extra-README.md): a conditional
 * one with G 'resnet' and D 'skip' (label embedding, cmap projection, mbstd group 2 x 2
 * channels), and a grayscale 'orig' one with fp16 blocks (run in fp32), z_dim != w_dim.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { setup, maxAbsDiff } from '../helpers.js';
import { importStyleGAN2 } from '../../src/io/import-stylegan2.js';
import { StyleGAN2Generator } from '../../src/networks/stylegan2/generator.js';
import { StyleGAN2Discriminator } from '../../src/networks/stylegan2/discriminator.js';
import { parseNpy } from '../../src/io/npy.js';
import { seedsToZ } from '../../src/sampling/generate.js';
import { transformData } from '../../src/io/stylegan2-table.js';

before(setup);

interface Case { seed: number; cls?: number; trunc: number; cutoff?: number; noise_mode: 'const' | 'none'; npy: string }

function nhwcToNchw(d: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const o = new Float32Array(d.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
    o[((b * c + ch) * h + y) * w + x] = d[((b * h + y) * w + x) * c + ch];
  }
  return o;
}

for (const name of ['stylegan2-cond-resnet-skip', 'stylegan2-orig-fp16']) {
  const dir = new URL(`../fixtures/${name}/`, import.meta.url);
  const read = (f: string) => Uint8Array.from(readFileSync(new URL(f, dir)));
  const fx = JSON.parse(readFileSync(new URL('fixture.json', dir), 'utf8')) as { cases: Case[]; g_params: number; d_params: number };

  test(`${name}: G_ema and D reproduce the official outputs`, () => {
    const r = importStyleGAN2(read('network.pkl'), `${name}/network.pkl`, { withD: true });
    const cfg = r.config;
    const G = new StyleGAN2Generator(cfg);
    G.store.loadRaw(r.G_ema, 'G_ema');
    const D = new StyleGAN2Discriminator(cfg);
    D.store.loadRaw(r.D!, 'D');
    assert.equal(G.store.numParams(), fx.g_params);
    assert.equal(D.store.numParams(), fx.d_params);
    const label = (cls: number[]) => (cfg.cDim ? tf.cast(tf.oneHot(cls, cfg.cDim), 'float32') as tf.Tensor2D : undefined);
    for (const c of fx.cases) {
      const img = G.forward(seedsToZ([c.seed], cfg.zDim), {
        c: label([c.cls ?? 0]), truncationPsi: c.trunc, truncationCutoff: c.cutoff, noiseMode: c.noise_mode,
      });
      const err = maxAbsDiff(nhwcToNchw(img.dataSync() as Float32Array, img.shape), parseNpy(read(c.npy)).data as Float32Array);
      assert.ok(err < 1e-4, `${c.npy}: max abs error ${err}`);
    }
    const inp = parseNpy(read('d_input.npy'));
    const x = tf.transpose(tf.tensor4d(inp.data as Float32Array, inp.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D;
    const logits = D.forward(x, label([0, 1, 2, 3].map((i) => i % Math.max(cfg.cDim, 1))) ?? null).dataSync();
    const err = maxAbsDiff(logits, parseNpy(read('d_logits.npy')).data as Float32Array);
    assert.ok(err < 1e-4, `D logits: max abs error ${err}`);
    G.dispose();
    D.dispose();
  });

  test(`${name}: gradients equal torch autograd's (dD/dx, and d|G(z)|^2 / dW)`, () => {
    const r = importStyleGAN2(read('network.pkl'), `${name}/network.pkl`, { withD: true });
    const cfg = r.config;
    const G = new StyleGAN2Generator(cfg);
    G.store.loadRaw(r.G_ema, 'G_ema');
    const D = new StyleGAN2Discriminator(cfg);
    D.store.loadRaw(r.D!, 'D');
    const labels = cfg.cDim ? tf.cast(tf.oneHot([0, 1, 2, 3].map((i) => i % cfg.cDim), cfg.cDim), 'float32') as tf.Tensor2D : null;
    const relErr = (ours: ArrayLike<number>, ref: Float32Array) => maxAbsDiff(ours, ref) / Math.max(...ref.map(Math.abs));
    const inp = parseNpy(read('d_input.npy'));
    const x = tf.transpose(tf.tensor4d(inp.data as Float32Array, inp.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D;
    const dx = tf.grad((v: tf.Tensor) => tf.sum(D.forward(v as tf.Tensor4D, labels)))(x);
    const e1 = relErr(nhwcToNchw(dx.dataSync() as Float32Array, dx.shape), parseNpy(read('d_input_grad.npy')).data as Float32Array);
    assert.ok(e1 < 1e-4, `dD/dx: relative error ${e1}`);
    const w = G.store.get('synthesis.b8.conv0.weight'), fc = G.store.get('mapping.fc0.weight');
    const c0 = labels ? tf.slice(labels, [0, 0], [1, -1]) as tf.Tensor2D : undefined;
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(G.forward(seedsToZ([0], cfg.zDim), { c: c0, noiseMode: 'const' }))) as tf.Scalar, [w, fc]);
    const official = (f: string, shape: number[], transform: 'oihw' | 'fc') =>
      transformData({ ours: '', official: f, transform, shape }, parseNpy(read(f)).data as Float32Array);
    const e2 = relErr(grads[w.name].dataSync(), official('g_grad_b8_conv0_weight.npy', w.shape, 'oihw'));
    const e3 = relErr(grads[fc.name].dataSync(), official('g_grad_mapping_fc0_weight.npy', fc.shape, 'fc'));
    assert.ok(e2 < 1e-4 && e3 < 1e-4, `dW: relative errors ${e2}, ${e3}`);
    G.dispose();
    D.dispose();
  });
}

test('a pickle shaped like training_loop.py\'s network-snapshot (AugmentPipe, training_set_kwargs, separate G/G_ema) imports', () => {
  const bytes = Uint8Array.from(readFileSync(new URL('../fixtures/stylegan2-snapshot-shape/network.pkl', import.meta.url)));
  const r = importStyleGAN2(bytes, 'snapshot.pkl', { withG: true, withD: true });
  assert.equal(r.config.imgResolution, 8);
  assert.deepEqual(Object.keys(r.G!).sort(), Object.keys(r.G_ema).sort());
  assert.ok(r.D!['b8.conv1.weight'] && r.D!['b4.out.bias']);
});
