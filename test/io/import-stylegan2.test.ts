/**
 * Importer for NVIDIA's stylegan2-ada-pytorch pickles, on the tiny fixture in
 * test/fixtures/stylegan2-ada-tiny (see /work/shared/fixtures/README.md): config, layouts,
 * strictness, and parity of our generator and discriminator with the official outputs.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { setup, maxAbsDiff } from '../helpers.js';
import { configFromInitKwargs, importStyleGAN2, mapStyleGAN2Network, readStyleGAN2Pickle, flattenModule } from '../../src/io/import-stylegan2.js';
import { TorchTensor, tensorToFloat32 } from '../../src/io/torch.js';
import type { StyleGAN2Config } from '../../src/networks/stylegan2/config.js';
import { StyleGAN2Generator } from '../../src/networks/stylegan2/generator.js';
import { StyleGAN2Discriminator } from '../../src/networks/stylegan2/discriminator.js';
import { parseNpy, parseNpz } from '../../src/io/npy.js';
import { seedsToZ } from '../../src/sampling/generate.js';
import { toUint8 } from '../../src/data/grid.js';

before(setup);

const dir = new URL('../fixtures/stylegan2-ada-tiny/', import.meta.url);
const read = (f: string) => Uint8Array.from(readFileSync(new URL(f, dir)));
const pkl = read('network.pkl');
const fixture = JSON.parse(readFileSync(new URL('fixture.json', dir), 'utf8')) as {
  cases: Array<{ seed: number; trunc: number; npy: string; png: string }>; g_params: number; d_params: number;
};
const imported = importStyleGAN2(pkl, 'network.pkl', { withG: true, withD: true });

/** NHWC [N, H, W, C] -> NCHW, as the official .npy files are stored. */
function toNchw(d: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const o = new Float32Array(d.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
    o[((b * c + ch) * h + y) * w + x] = d[((b * h + y) * w + x) * c + ch];
  }
  return o;
}

async function pngPixels(f: string): Promise<Uint8Array> {
  const { data, info } = await sharp(Buffer.from(read(f))).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  return new Uint8Array(data);
}

function maxLevelDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function loadG(): StyleGAN2Generator {
  const G = new StyleGAN2Generator(imported.config);
  G.store.loadRaw(imported.G_ema, 'G_ema');
  return G;
}

test('reads G, D, G_ema as persistent-module records and the config from _init_kwargs', () => {
  const nets = readStyleGAN2Pickle(pkl, 'network.pkl');
  assert.equal(nets.G_ema.className, 'Generator');
  assert.equal(nets.D.className, 'Discriminator');
  assert.ok(nets.G_ema.moduleSrcLength > 0, 'the module source is kept as text only');
  const { tensors } = flattenModule(nets.G_ema);
  assert.deepEqual(tensors.get('synthesis.b8.conv0.weight')!.shape, [64, 64, 3, 3]);
  assert.deepEqual(tensors.get('synthesis.b4.conv1.noise_strength')!.shape, []);
  const c = imported.config;
  assert.equal(c.arch, 'stylegan2');
  assert.deepEqual([c.zDim, c.wDim, c.cDim, c.imgResolution, c.imgChannels], [128, 128, 0, 32, 3]);
  assert.deepEqual(c.mapping, { numLayers: 8, embedFeatures: 0, layerFeatures: 128, lrMultiplier: 0.01, wAvgBeta: 0.995 });
  assert.deepEqual(c.synthesis, { channelBase: 1024, channelMax: 64, numFp16Res: 0, convClamp: 256, architecture: 'skip', resampleFilter: [1, 3, 3, 1], useNoise: true });
  assert.equal(c.discriminator.architecture, 'resnet');
  assert.equal(c.discriminator.convClamp, null);
  assert.deepEqual([c.discriminator.mbstdGroupSize, c.discriminator.mbstdNumChannels], [4, 1]);
});

test('layouts: FC [out, in] -> [in, out], OIHW -> HWIO, const CHW -> HWC, D fc rows NCHW -> NHWC', () => {
  const nets = readStyleGAN2Pickle(pkl, 'network.pkl');
  const g = flattenModule(nets.G_ema).tensors, d = flattenModule(nets.D).tensors;
  const off = (name: string) => tensorToFloat32(g.get(name)!);
  const fc = off('mapping.fc3.weight'), ours = imported.G_ema['mapping.fc3.weight'].data;
  assert.equal(ours[5 * 128 + 7], fc[7 * 128 + 5]);
  const conv = off('synthesis.b16.conv1.weight'), oc = imported.G_ema['synthesis.b16.conv1.weight'];
  assert.deepEqual(oc.shape, [3, 3, 64, 64]);
  // ours [ky, kx, i, o] = official [o, i, ky, kx]
  assert.equal(oc.data[((2 * 3 + 1) * 64 + 10) * 64 + 20], conv[((20 * 64 + 10) * 3 + 2) * 3 + 1]);
  const cst = off('synthesis.b4.const'), oconst = imported.G_ema['synthesis.b4.const'].data;
  assert.equal(oconst[(1 * 4 + 2) * 64 + 33], cst[(33 * 4 + 1) * 4 + 2]);
  const fcD = tensorToFloat32(d.get('b4.fc.weight')!), ofc = imported.D!['b4.fc.weight'];
  assert.deepEqual(ofc.shape, [1024, 64]);
  // ours row (h, w, c) = official column (c, h, w)
  assert.equal(ofc.data[((2 * 4 + 3) * 64 + 9) * 64 + 11], fcD[11 * 1024 + (9 * 16 + 2 * 4 + 3)]);
  assert.deepEqual(imported.G_ema['mapping.wAvg'].data, off('mapping.w_avg'));
  assert.notEqual(imported.G_ema['synthesis.b32.conv1.noiseStrength'].data[0], 0);
});

test('parameter counts match the official networks', () => {
  const G = loadG();
  const D = new StyleGAN2Discriminator(imported.config);
  D.store.loadRaw(imported.D!, 'D');
  assert.equal(G.store.numParams(), fixture.g_params);
  assert.equal(D.store.numParams(), fixture.d_params);
  assert.equal(G.numWs, 8);
  G.dispose();
  D.dispose();
});

test('G_ema reproduces the official images for seeds 0-3, psi 1 and 0.5, noise const (floats and PNGs)', async () => {
  const G = loadG();
  const errs: number[] = [];
  for (const c of fixture.cases) {
    const img = G.forward(seedsToZ([c.seed], 128), { truncationPsi: c.trunc, noiseMode: 'const' });
    const ours = img.dataSync() as Float32Array;
    const ref = parseNpy(read(c.npy));
    assert.deepEqual(ref.shape, [3, 32, 32]);
    const err = maxAbsDiff(toNchw(ours, img.shape), ref.data as Float32Array);
    errs.push(err);
    assert.ok(err < 1e-3, `${c.npy}: max abs error ${err}`);
    assert.ok(maxLevelDiff(toUint8(ours), await pngPixels(c.png)) <= 1, `${c.png} differs by more than one level`);
    img.dispose();
  }
  assert.ok(Math.max(...errs) < 1e-4, `errors ${errs}`); // the arithmetic is the same: expect ~1e-5
  G.dispose();
});

test('truncation matters: psi 0.5 differs from psi 1 and cutoff 0 is psi 1', () => {
  const G = loadG();
  const z = seedsToZ([0], 128);
  const a = G.forward(z, { truncationPsi: 1, noiseMode: 'const' }).dataSync();
  const b = G.forward(z, { truncationPsi: 0.5, noiseMode: 'const' }).dataSync();
  const c = G.forward(z, { truncationPsi: 0.5, truncationCutoff: 0, noiseMode: 'const' }).dataSync();
  assert.ok(maxAbsDiff(a, b) > 1e-2);
  assert.equal(maxAbsDiff(a, c), 0);
  G.dispose();
});

test('projected_w.npz through synthesis reproduces projected_w.npy / .png', async () => {
  const G = loadG();
  const { w } = parseNpz(read('projected_w.npz'), 'projected_w.npz');
  assert.deepEqual(w.shape, [1, 8, 128]);
  const img = G.synthesis.forward(tf.tensor3d(w.data as Float32Array, [1, 8, 128]), { noiseMode: 'const' });
  const ours = img.dataSync() as Float32Array;
  const err = maxAbsDiff(toNchw(ours, img.shape), parseNpy(read('projected_w.npy')).data as Float32Array);
  assert.ok(err < 1e-3, `projected_w: max abs error ${err}`);
  assert.ok(maxLevelDiff(toUint8(ours), await pngPixels('projected_w.png')) <= 1);
  G.dispose();
});

test('D reproduces the official logits on d_input.npy', () => {
  const D = new StyleGAN2Discriminator(imported.config);
  D.store.loadRaw(imported.D!, 'D');
  const inp = parseNpy(read('d_input.npy'));
  assert.deepEqual(inp.shape, [4, 3, 32, 32]);
  const x = tf.transpose(tf.tensor4d(inp.data as Float32Array, [4, 3, 32, 32]), [0, 2, 3, 1]) as tf.Tensor4D;
  const logits = D.forward(x).dataSync();
  const err = maxAbsDiff(logits, parseNpy(read('d_logits.npy')).data as Float32Array);
  assert.ok(err < 1e-3, `D logits: max abs error ${err}`);
  D.dispose();
});

test('G (the training generator) imports too; here it is the same object as G_ema', () => {
  assert.deepEqual(Object.keys(imported.G!).sort(), Object.keys(imported.G_ema).sort());
});

const oneLine = (re: RegExp) => (e: unknown) => e instanceof Error && !e.message.includes('\n') && re.test(e.message);

test('a truncated or corrupted pickle gives a one-line error', () => {
  assert.throws(() => importStyleGAN2(pkl.subarray(0, 200_000), 'cut.pkl'), oneLine(/cut\.pkl.*truncated/));
  assert.throws(() => importStyleGAN2(pkl.subarray(0, 10), 'tiny.pkl'), oneLine(/tiny\.pkl/));
  // Break the first nested torch.save blob's magic number.
  const bad = pkl.slice();
  const magic = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
  const at = bad.findIndex((_, i) => magic.every((m, j) => bad[i + j] === m));
  assert.ok(at > 0);
  bad[at + 5] ^= 0xff;
  assert.throws(() => importStyleGAN2(bad, 'bad.pkl'), oneLine(/bad\.pkl.*magic number/));
});

test('non-StyleGAN2 pickles are refused with one line naming the problem', () => {
  // protocol 2: {} then STOP
  assert.throws(() => importStyleGAN2(Uint8Array.of(0x80, 0x02, 0x7d, 0x2e), 'empty.pkl'), oneLine(/empty\.pkl: not a StyleGAN2-ADA network pickle/));
  // protocol 0: os.system('x') must never resolve
  const evil = new TextEncoder().encode("cos\nsystem\n(S'x'\ntR.");
  assert.throws(() => importStyleGAN2(evil, 'evil.pkl'), oneLine(/disallowed global os\.system/));
  const tfPkl = Uint8Array.from(readFileSync(new URL('../fixtures/stylegan-tf-tiny/network.pkl', import.meta.url)));
  assert.throws(() => importStyleGAN2(tfPkl, 'tf.pkl'), oneLine(/disallowed global dnnlib\.tflib\.network\.Network/));
});

test('unknown, missing and mis-shaped tensors are named', () => {
  const nets = readStyleGAN2Pickle(pkl, 'network.pkl');
  const cfg = (over: (c: StyleGAN2Config) => void) => { const c = structuredClone(imported.config); over(c); return c; };
  assert.throws(() => mapStyleGAN2Network(nets.G_ema, cfg((c) => { c.mapping.numLayers = 7; }), 'G', 'G_ema', 'n.pkl'),
    oneLine(/unknown tensors mapping\.fc7\.weight, mapping\.fc7\.bias/));
  assert.throws(() => mapStyleGAN2Network(nets.G_ema, cfg((c) => { c.mapping.numLayers = 9; }), 'G', 'G_ema', 'n.pkl'),
    oneLine(/missing tensors mapping\.fc8\.weight/));
  assert.throws(() => mapStyleGAN2Network(nets.D, cfg((c) => { c.discriminator.channelMax = 32; }), 'D', 'D', 'n.pkl'),
    oneLine(/b32\.conv1\.weight has shape \[64,32,3,3\], expected \[32,32,3,3\]/));
  assert.throws(() => mapStyleGAN2Network(nets.G_ema, cfg((c) => { c.synthesis.resampleFilter = [1, 2, 1]; }), 'G', 'G_ema', 'n.pkl'),
    oneLine(/resample_filter is not the configured resample filter/));
});

test('constructor arguments we cannot express are named', () => {
  const nets = readStyleGAN2Pickle(pkl, 'network.pkl');
  const kw = nets.G_ema.state._init_kwargs as Map<string, unknown>;
  kw.set('magnitude_ema_beta', 0.999); // a StyleGAN3 argument
  (kw.get('synthesis_kwargs') as Map<string, unknown>).set('activation', 'relu');
  assert.throws(() => configFromInitKwargs(nets.G_ema, nets.D, 'n.pkl'),
    oneLine(/^n\.pkl: unsupported StyleGAN2 options: unknown argument G\.magnitude_ema_beta; activation other than lrelu$/));
});

test('strided torch tensors are read in C order', () => {
  const t = new TorchTensor({ dtype: 'float32', elementSize: 4, numel: 6, bytes: new Uint8Array(Float32Array.of(0, 1, 2, 3, 4, 5).buffer) } as never, 0, [3, 2], [1, 3]);
  assert.deepEqual([...tensorToFloat32(t)], [0, 3, 1, 4, 2, 5]);
});
