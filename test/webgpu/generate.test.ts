/**
 * Generation on the webgpu backend (Dawn on SwiftShader here) against the CPU reference, for the
 * official fixtures of every family and for the baselines: the same uint8 images within 1 level.
 * bias_act, upfirdn2d and filtered_lrelu run as their WGSL kernels there
 * (src/backend/webgpu-kernels.ts); the modulated conv takes its tfjs-op path.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { setup, testRandom } from '../helpers.js';
import { referenceBackend, use } from './swiftshader.js';
import { loadGenerator } from '../../src/sampling/load-generator.js';
import { generateImages } from '../../src/sampling/generate.js';
import type { GeneratorLike } from '../../src/networks/generator-api.js';
import { toUint8 } from '../../src/data/uint8.js';
import { baselineConfig } from '../../src/networks/baselines/config.js';
import { BaselineGenerator } from '../../src/networks/baselines/generator.js';
import type { BackendName } from '../../src/backend/node.js';

let ref: BackendName;
before(async () => {
  await setup();
  ref = await referenceBackend();
  await use('webgpu'); // fails here, loudly, when Dawn / Vulkan / SwiftShader cannot start
});

/** Seed 0 at psi 1 on `backend`; generated twice on webgpu: no tensors left behind by the second run. */
async function image(backend: BackendName, make: () => GeneratorLike, classIdx?: number): Promise<Uint8Array> {
  await use(backend);
  const G = make();
  const run = async () => (await generateImages(G, [0], { batch: 1, ...(classIdx !== undefined && { classIdx }) }))[0].data;
  const first = await run();
  if (backend === 'webgpu') {
    const numTensors = tf.memory().numTensors;
    const again = await run();
    assert.equal(tf.memory().numTensors, numTensors, 'webgpu generation leaked tensors');
    assert.deepEqual(again, first, 'webgpu: a second run gave another image');
  }
  G.dispose();
  return toUint8(first);
}

async function sameOnWebGPU(make: () => GeneratorLike, classIdx?: number): Promise<void> {
  const want = await image(ref, make, classIdx);
  const got = await image('webgpu', make, classIdx);
  assert.equal(tf.getBackend(), 'webgpu');
  assert.equal(got.length, want.length);
  let worst = 0, over = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    worst = Math.max(worst, d);
    if (d > 0) over++;
  }
  const msg = `webgpu vs ${ref}: max ${worst} levels (${over} of ${want.length} values differ)`;
  console.log(`# ${msg}`);
  assert.ok(worst <= 1, msg);
}

const fixture = (f: string) => () => loadGenerator(Uint8Array.from(readFileSync(new URL(`../fixtures/${f}`, import.meta.url))), f);

test('StyleGAN (2019, TF pickle) generates on webgpu as on the CPU', () => sameOnWebGPU(fixture('stylegan-tf-tiny/network.pkl')));
test('StyleGAN2-ADA (pickle) generates on webgpu as on the CPU', () => sameOnWebGPU(fixture('stylegan2-ada-tiny/network.pkl')));
test('StyleGAN2 (rosinality .pt) generates on webgpu as on the CPU', () => sameOnWebGPU(fixture('rosinality-tiny/network.pt')));
test('StyleGAN3 (-T; -R differs only in its filters) generates on webgpu as on the CPU', () => sameOnWebGPU(fixture('stylegan3-tiny/t32/network.pkl')));
test('StyleGAN-XL (conditional) generates on webgpu as on the CPU', () => sameOnWebGPU(fixture('stylegan-xl-tiny/network.pkl'), 0));
test('baselines (DCGAN, MLP GAN, VAE) generate on webgpu as on the CPU', async () => {
  for (const arch of ['dcgan', 'gan', 'vae'] as const) {
    await sameOnWebGPU(() => new BaselineGenerator(baselineConfig(arch, 16), testRandom(2)));
  }
});
