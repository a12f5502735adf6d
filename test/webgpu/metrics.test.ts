/**
 * Metrics on the webgpu backend (Dawn on SwiftShader here) against the CPU reference, in-process
 * through the library `stylegan metrics` runs on: swd and ppl2_wend on the official StyleGAN2
 * fixture, eqt50k_int / eqr50k on the StyleGAN3-T fixture, KID's and precision/recall's tfjs Gram
 * paths against their Float64 JS paths, and the training SWD monitor. Every read on these paths is
 * awaited (webgpu in Node has no dataSync). Not here, for CI time: fid50k_full with hashed
 * Inception-v3 weights (checked once on SwiftShader, 1e-7 relative, but 7 minutes there: every
 * Inception conv shape compiles a shader on the CPU) and ppl_zfull (the same VGG16 path as
 * ppl2_wend; 6e-4 then).
 *
 * Tolerances: the images, features and projections are float32 on both backends, with different
 * summation orders (relative differences ~1e-6 per value); swd, eq and kid aggregate them
 * and stay within relative 1e-3. PPL divides an LPIPS difference of two images 1e-4 apart by
 * eps^2: float32 rounding (~1e-7 of pixel values ~1) is ~1e-3 of that 1e-4 difference, so PPL
 * gets relative 2e-2.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setup, testRandom } from '../helpers.js';
import { referenceBackend, use } from './swiftshader.js';
import type { BackendName } from '../../src/backend/node.js';
import { loadGenerator } from '../../src/sampling/load-generator.js';
import { MetricsRunner, type MetricsOptions } from '../../src/metrics/run.js';
import { METRICS } from '../../src/metrics/registry.js';
import { Vgg16 } from '../../src/metrics/vgg16.js';
import { kernelInceptionDistance } from '../../src/metrics/kid.js';
import { precisionRecall } from '../../src/metrics/precision-recall.js';
import { trainingSwd } from '../../src/metrics/training.js';
import { loadDataset } from '../../src/data/dataset.js';
import { RandomState } from '../../src/sampling/rng.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { writePng } from '../../src/data/grid.js';
import { HashWeights } from '../metrics/hash-weights.js';
import type { Generator } from '../../src/networks/stylegan/generator.js';

let ref: BackendName;
let dir = '', data = '', vgg16 = '';

/** `n` blocky 32 px images with noise: something SWD and the detectors can tell apart from fakes. */
async function imageFolder(p: string, n: number): Promise<void> {
  const rnd = testRandom(5);
  for (let i = 0; i < n; i++) {
    const base = [rnd() * 255, rnd() * 255, rnd() * 255];
    const rgb = Uint8Array.from({ length: 32 * 32 * 3 }, (_, k) => Math.min(255, base[k % 3] * 0.7 + rnd() * 80));
    await writePng(path.join(p, `img${String(i).padStart(3, '0')}.png`), rgb, 32, 32);
  }
}

/** Hashed weights of a detector written as .safetensors, as test/metrics/cli.test.ts does. */
function hashedWeights(file: string, make: (hw: HashWeights) => { dispose(): void }): string {
  const hw = new HashWeights();
  make(hw).dispose();
  const tensors = Object.fromEntries([...hw.made].map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: t.data }]));
  fs.writeFileSync(file, encodeSafetensors(tensors));
  return file;
}

before(async () => {
  await setup();
  ref = await referenceBackend();
  await use('webgpu'); // fails here, loudly, when Dawn / Vulkan / SwiftShader cannot start
  await use(ref);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-webgpu-metrics-'));
  data = path.join(dir, 'data');
  await imageFolder(data, 64);
  vgg16 = hashedWeights(path.join(dir, 'vgg16.safetensors'), (hw) => new Vgg16(hw, 'hash'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const fixture = (f: string) => loadGenerator(Uint8Array.from(fs.readFileSync(new URL(`../fixtures/${f}`, import.meta.url))), f);

/**
 * G with its stored noise maps: the metrics draw fresh unseeded noise per image (as NVIDIA's), which
 * would differ between the two runs compared here. (ppl seeds its noise; StyleGAN3 has none.)
 */
function constNoise<T extends { forward(z: tf.Tensor2D, o?: object): tf.Tensor4D }>(G: T): T {
  return Object.assign(Object.create(G) as T, { forward: (z: tf.Tensor2D, o: object = {}) => G.forward(z, { ...o, noiseMode: 'const' }) });
}

/** One metric on `backend`; no tensors left behind. */
async function metric(backend: BackendName, name: string, network: string, o: Partial<MetricsOptions>): Promise<Record<string, number>> {
  await use(backend);
  const G = fixture(network);
  const before = tf.memory().numTensors;
  const runner = new MetricsRunner({ G: constNoise(G), resolution: G.cfg.imgResolution, seed: 0, cacheDir: path.join(dir, `cache-${backend}`), ...o });
  try {
    return (await runner.run(METRICS[name])).results;
  } finally {
    runner.dispose();
    assert.equal(tf.memory().numTensors, before, `${name} on ${backend} left tensors behind`);
    G.dispose();
  }
}

function close(got: Record<string, number>, want: Record<string, number>, rel: number, what: string): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
  for (const k of Object.keys(want)) {
    const d = Math.abs(got[k] - want[k]) / Math.max(Math.abs(want[k]), 1e-12);
    console.log(`# ${what} ${k}: webgpu ${got[k]}, ${ref} ${want[k]} (relative ${d.toExponential(1)})`);
    assert.ok(Number.isFinite(got[k]) && d <= rel, `${what} ${k}: webgpu ${got[k]} vs ${ref} ${want[k]}`);
  }
}

async function sameOnWebGPU(name: string, network: string, o: Partial<MetricsOptions>, rel: number): Promise<void> {
  const want = await metric(ref, name, network, o);
  const got = await metric('webgpu', name, network, o);
  close(got, want, rel, name);
}

const SG2 = 'stylegan2-ada-tiny/network.pkl', SG3 = 'stylegan3-tiny/t32/network.pkl';

test('swd --num 16 on webgpu gives the CPU value (StyleGAN2 fixture)', () => sameOnWebGPU('swd', SG2, { data, num: 16, batch: 16 }, 1e-3));
test('ppl2_wend on webgpu gives the CPU value (StyleGAN2 fixture, hashed VGG16/LPIPS)', () => sameOnWebGPU('ppl2_wend', SG2, { vgg16, num: 4 }, 2e-2));
test('eqt50k_int and eqr50k on webgpu give the CPU values (StyleGAN3-T fixture)', async () => {
  await sameOnWebGPU('eqt50k_int', SG3, { num: 4 }, 1e-3);
  await sameOnWebGPU('eqr50k', SG3, { num: 4 }, 1e-3);
});

test('KID and precision/recall: the tfjs Gram paths on webgpu agree with the Float64 JS paths', async () => {
  await use('webgpu');
  const rng = new RandomState(21), d = 64;
  const x = Float32Array.from(rng.randn(300, d), (v) => Math.max(0, v + 0.3));
  const y = Float32Array.from(rng.randn(250, d), (v) => Math.max(0, v + 0.5));
  const o = { numSubsets: 4, maxSubsetSize: 200 };
  const js = await kernelInceptionDistance(x, y, d, { ...o, gram: 'js', rng: new RandomState(1) });
  const gpu = await kernelInceptionDistance(x, y, d, { ...o, gram: 'tfjs', rng: new RandomState(1) });
  assert.ok(Math.abs(js - gpu) < 1e-5 * Math.abs(js) + 1e-9, `KID js ${js} vs webgpu ${gpu}`);
  const a = await precisionRecall(x, y, d, 3, 'js'), b = await precisionRecall(x, y, d, 3, 'tfjs');
  assert.ok(a.precision > 0 && a.precision < 1 && a.recall > 0 && a.recall < 1, JSON.stringify(a));
  assert.deepEqual(b, a);
});

test('the training SWD monitor runs on webgpu (projections on the GPU) and gives the CPU value', async () => {
  const ds = await loadDataset({ path: data, resolution: 32, maxImages: 16 });
  const run = async (backend: BackendName) => {
    await use(backend);
    const G = fixture(SG2) as unknown as Generator;
    try {
      return await trainingSwd({ metrics: ['swd'], G: constNoise(G), res: 32, alpha: 1, ds, outdir: dir, snapshot: null, kimg: 0 });
    } finally {
      G.dispose();
    }
  };
  close(await run('webgpu'), await run(ref), 1e-3, 'training swd');
});
