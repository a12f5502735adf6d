/**
 * ONNX export of StyleGAN2 G_ema, run with onnxruntime-web's wasm backend in Node
 * (onnxruntime-node downloads CUDA binaries at install time on Linux x64, so it is not a
 * dependency): the model's images equal our generator's to 1e-4 on the official tiny fixtures
 * (and NVIDIA's own outputs for them) and on a conditional network with a resnet synthesis.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { setup, maxAbsDiff, testRandom } from '../helpers.js';
import { importStyleGAN2 } from '../../src/io/import-stylegan2.js';
import { exportStyleGAN2Onnx } from '../../src/io/export-onnx-stylegan2.js';
import { exportStyleganOnnx } from '../../src/io/export-onnx-stylegan.js';
import { importStyleganTf } from '../../src/io/import-stylegan-tf.js';
import type { NetworkConfig } from '../../src/networks/config.js';
import { defaultStyleGAN2Config, type StyleGAN2Config } from '../../src/networks/stylegan2/config.js';
import { StyleGAN2Generator } from '../../src/networks/stylegan2/generator.js';
import type { RawTensor } from '../../src/networks/params.js';
import { buildGenerator, generateImages, seedsToZ } from '../../src/sampling/generate.js';
import { encodeSnapshot } from '../../src/io/snapshot.js';
import { exportCommand } from '../../src/cli/export.js';
import { parseNpy } from '../../src/io/npy.js';

before(async () => {
  await setup();
  ort.env.wasm.numThreads = 1;
});

const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/stylegan2-ada-tiny');
const tiny = importStyleGAN2(fs.readFileSync(path.join(dir, 'network.pkl')), 'network.pkl');

/** Runs the model on seeds (and class 1 when conditional); images [N * R * R * C]. */
async function runOnnx(model: Uint8Array, cfg: NetworkConfig, seeds: number[], psi: number): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(model);
  const z = seedsToZ(seeds, cfg.zDim);
  const feeds: Record<string, ort.Tensor> = {
    z: new ort.Tensor('float32', z.dataSync() as Float32Array, z.shape), psi: new ort.Tensor('float32', Float32Array.of(psi), [1]),
  };
  z.dispose();
  if (cfg.cDim) {
    const c = new Float32Array(seeds.length * cfg.cDim);
    seeds.forEach((_, i) => { c[i * cfg.cDim + 1] = 1; });
    feeds.c = new ort.Tensor('float32', c, [seeds.length, cfg.cDim]);
  }
  const out = (await session.run(feeds)).img;
  await session.release();
  return { data: out.data as Float32Array, dims: out.dims };
}

async function ours(cfg: NetworkConfig, params: Record<string, RawTensor>, seeds: number[], psi: number, truncationCutoff?: number): Promise<Float32Array> {
  const G = buildGenerator(cfg, params, 'test');
  const imgs = await generateImages(G, seeds, { truncationPsi: psi, truncationCutoff, classIdx: cfg.cDim ? 1 : undefined });
  G.dispose();
  const out = new Float32Array(imgs.length * imgs[0].data.length);
  imgs.forEach((im, i) => out.set(im.data, i * im.data.length));
  return out;
}

test('the official tiny network: ONNX images equal ours (and NVIDIA\'s) to 1e-4 at psi 1 and 0.5', async () => {
  const model = exportStyleGAN2Onnx(tiny.config, tiny.G_ema, 'network.pkl');
  for (const psi of [1, 0.5]) {
    const seeds = [0, 1, 2, 3];
    const onnx = await runOnnx(model, tiny.config, seeds, psi);
    assert.deepEqual(onnx.dims, [4, 32, 32, 3]);
    const diff = maxAbsDiff(onnx.data, await ours(tiny.config, tiny.G_ema, seeds, psi));
    assert.ok(diff < 1e-4, `psi ${psi}: max abs diff ${diff}`);
    // NVIDIA's float output for seed 2 ([3, 32, 32] NCHW).
    const ref = parseNpy(fs.readFileSync(path.join(dir, `seed0002-psi${psi.toFixed(1)}.npy`))).data as Float32Array;
    let m = 0;
    for (let ch = 0; ch < 3; ch++) for (let p = 0; p < 1024; p++) m = Math.max(m, Math.abs(ref[ch * 1024 + p] - onnx.data[2 * 3072 + p * 3 + ch]));
    assert.ok(m < 1e-4, `psi ${psi}: vs NVIDIA ${m}`);
  }
});

test('a truncation cutoff fixed at export truncates the same styles as ours (StyleGAN2: conv and torgb styles interleave)', async () => {
  for (const cutoff of [0, 3, 6]) {
    const onnx = await runOnnx(exportStyleGAN2Onnx(tiny.config, tiny.G_ema, 'network.pkl', { truncationCutoff: cutoff }), tiny.config, [1], 0.3);
    const diff = maxAbsDiff(onnx.data, await ours(tiny.config, tiny.G_ema, [1], 0.3, cutoff));
    assert.ok(diff < 1e-4, `cutoff ${cutoff}: max abs diff ${diff}`);
  }
});

test('a conditional network with a resnet synthesis, no clamp, 2 mapping layers', async () => {
  const cfg = defaultStyleGAN2Config({ zDim: 8, wDim: 8, cDim: 3, imgResolution: 16, mapping: { numLayers: 2, embedFeatures: 4, layerFeatures: 6 },
    synthesis: { channelBase: 128, channelMax: 8, architecture: 'resnet' } });
  const rnd = testRandom(5), G = new StyleGAN2Generator(cfg, rnd), params = G.store.toRaw();
  G.dispose();
  for (const [k, t] of Object.entries(params)) if (/bias|noiseStrength|wAvg/.test(k)) t.data = t.data.map((v) => v + rnd() - 0.5);
  const onnx = await runOnnx(exportStyleGAN2Onnx(cfg, params, 'x'), cfg, [3, 4], 0.7);
  assert.deepEqual(onnx.dims, [2, 16, 16, 3]);
  const diff = maxAbsDiff(onnx.data, await ours(cfg, params, [3, 4], 0.7));
  assert.ok(diff < 1e-4, `max abs diff ${diff}`);
});

test('2019 StyleGAN (128 px: nearest-upsampling blocks and fused transposed-conv blocks) equals ours and the reference', async () => {
  const fx = path.join(dir, '../stylegan-tf-tiny');
  const sg = importStyleganTf(fs.readFileSync(path.join(fx, 'network.pkl')), 'network.pkl');
  const model = exportStyleganOnnx(sg.config, sg.G_ema, 'network.pkl');
  for (const psi of [1, 0.5]) {
    const onnx = await runOnnx(model, sg.config, [0, 1], psi);
    assert.deepEqual(onnx.dims, [2, 128, 128, 3]);
    const diff = maxAbsDiff(onnx.data, await ours(sg.config, sg.G_ema, [0, 1], psi));
    assert.ok(diff < 1e-4, `psi ${psi}: max abs diff ${diff}`);
  }
  // The reference for seed 1 ([3, 128, 128]) at psi 1, and at psi 0.7 with cutoff 8 as NVIDIA's examples.
  const cut = exportStyleganOnnx(sg.config, sg.G_ema, 'network.pkl', { truncationCutoff: 8 });
  for (const [psi, file] of [[1, 'seed0001-psi1.0.npy'], [0.7, 'seed0001-psi0.7.npy']] as const) {
    const onnx = await runOnnx(cut, sg.config, [0, 1], psi);
    const ref = parseNpy(fs.readFileSync(path.join(fx, file))).data as Float32Array, px = 128 * 128;
    let m = 0;
    for (let ch = 0; ch < 3; ch++) for (let q = 0; q < px; q++) m = Math.max(m, Math.abs(ref[ch * px + q] - onnx.data[3 * px + q * 3 + ch]));
    assert.ok(m < 2e-4, `psi ${psi}: vs reference ${m}`);
  }
});

test('stylegan export --format onnx writes the model; bad flags are one-line usage errors', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-onnx-'));
  try {
    const ckpt = path.join(tmp, 'g.safetensors'), out = path.join(tmp, 'g.onnx');
    fs.writeFileSync(ckpt, encodeSnapshot({ config: tiny.config, modules: { G_ema: tiny.G_ema } }));
    await exportCommand(['--network', ckpt, '--format', 'onnx', '--out', out]);
    assert.equal(maxAbsDiff(fs.readFileSync(out), exportStyleGAN2Onnx(tiny.config, tiny.G_ema, ckpt)), 0);
    await assert.rejects(exportCommand(['--network', ckpt, '--format', 'tflite', '--out', out]), /export: --format must be onnx, got 'tflite'/);
    await assert.rejects(exportCommand(['--format', 'onnx', '--out', out]), /export: --network FILE is required/);
    await assert.rejects(exportCommand(['--network', path.join(tmp, 'nope.safetensors'), '--format', 'onnx', '--out', out]), /Network file not found/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
