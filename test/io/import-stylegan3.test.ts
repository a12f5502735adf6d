/**
 * Importer for NVIDIA's StyleGAN3 pickles and our StyleGAN3 networks, on the tiny official
 * fixtures test/fixtures/stylegan3-tiny/{t32,r32} (README there): config from _init_kwargs,
 * parity with the official images (floats and PNGs) for seeds 0-3 at psi 1 and 0.5, the
 * translate/rotate case, projected_w, D logits; strictness; checkpoint round trip; no leaks.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { setup, maxAbsDiff } from '../helpers.js';
import { config3FromInitKwargs, discriminatorConfig, importStyleGAN3, mapStyleGAN3Generator } from '../../src/io/import-stylegan3.js';
import { readStyleGAN2Pickle } from '../../src/io/import-stylegan2.js';
import type { StyleGAN3Config } from '../../src/networks/stylegan3/config.js';
import { StyleGAN3Generator } from '../../src/networks/stylegan3/generator.js';
import { StyleGAN2Discriminator } from '../../src/networks/stylegan2/discriminator.js';
import { inputTransform, makeTransform } from '../../src/networks/stylegan3/transform.js';
import { setTranslateRotate } from '../../src/sampling/input-transform.js';
import { parseNpy, parseNpz } from '../../src/io/npy.js';
import { decodeNetworkSnapshot, encodeSnapshot } from '../../src/io/snapshot.js';
import { buildGenerator, seedsToZ } from '../../src/sampling/generate.js';
import { toUint8 } from '../../src/data/grid.js';

before(setup);

interface Case { seed: number; trunc: number; npy: string; png: string; translate: [number, number]; rotate: number; transform?: number[][] }
interface Fixture { cases: Case[]; g_params: number; d_params: number; magnitude_ema_beta: number; z_dim: number; w_dim: number; num_ws: number }

function load(name: 't32' | 'r32') {
  const dir = new URL(`../fixtures/stylegan3-tiny/${name}/`, import.meta.url);
  const read = (f: string) => Uint8Array.from(readFileSync(new URL(f, dir)));
  const fixture = JSON.parse(readFileSync(new URL('fixture.json', dir), 'utf8')) as Fixture;
  const pkl = read('network.pkl');
  return { read, fixture, pkl, imported: importStyleGAN3(pkl, `${name}/network.pkl`, { withG: true, withD: true }) };
}
const nets = { t32: load('t32'), r32: load('r32') };

/** NHWC -> NCHW, as the official .npy files are stored. */
function toNchw(d: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const o = new Float32Array(d.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
    o[((b * c + ch) * h + y) * w + x] = d[((b * h + y) * w + x) * c + ch];
  }
  return o;
}

async function pngPixels(bytes: Uint8Array): Promise<Uint8Array> {
  const { data, info } = await sharp(Buffer.from(bytes)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  return new Uint8Array(data);
}

function maxLevelDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function loadG(name: 't32' | 'r32', which: 'G_ema' | 'G' = 'G_ema'): StyleGAN3Generator {
  const { imported } = nets[name];
  const G = new StyleGAN3Generator(imported.config);
  G.store.loadRaw(imported[which]!, which);
  return G;
}

test('config from _init_kwargs: T and R (1x1 convs, radial filters, doubled channels), D as StyleGAN2\'s', () => {
  const t = nets.t32.imported.config, r = nets.r32.imported.config;
  assert.equal(t.arch, 'stylegan3');
  assert.deepEqual([t.zDim, t.wDim, t.cDim, t.imgResolution, t.imgChannels], [64, 64, 0, 32, 3]);
  assert.deepEqual(t.mapping, { numLayers: 2, lrMultiplier: 0.01, wAvgBeta: 0.998 });
  assert.deepEqual([t.synthesis.channelBase, t.synthesis.channelMax, t.synthesis.convKernel, t.synthesis.useRadialFilters], [512, 48, 3, false]);
  assert.deepEqual([r.synthesis.channelBase, r.synthesis.channelMax, r.synthesis.convKernel, r.synthesis.useRadialFilters], [1024, 96, 1, true]);
  assert.equal(t.synthesis.magnitudeEmaBeta, nets.t32.fixture.magnitude_ema_beta);
  assert.deepEqual([t.synthesis.numLayers, t.synthesis.numCritical, t.synthesis.marginSize, t.synthesis.outputScale, t.synthesis.convClamp], [14, 2, 10, 0.25, 256]);
  assert.deepEqual([r.discriminator.channelBase, r.discriminator.channelMax, r.discriminator.architecture], [512, 48, 'resnet']);
});

for (const name of ['t32', 'r32'] as const) {
  const { read, fixture, imported } = nets[name];

  test(`${name}: parameter counts match the official networks; filters and magnitude EMAs come from the buffers`, () => {
    const G = loadG(name);
    const D = new StyleGAN2Discriminator(discriminatorConfig(imported.config));
    D.store.loadRaw(imported.D!, 'D');
    assert.equal(G.store.numParams(), fixture.g_params);
    assert.equal(D.store.numParams(), fixture.d_params);
    assert.equal(G.numWs, fixture.num_ws);
    const l = G.synthesis.layers[3];
    assert.notEqual(l.magnitudeEma.dataSync()[0], 1);
    assert.deepEqual(l.magnitudeEma.dataSync(), imported.G_ema[`synthesis.${l.spec.name}.magnitudeEma`].data);
    G.dispose();
    D.dispose();
  });

  test(`${name}: G_ema reproduces the official images for seeds 0-3 at psi 1 and 0.5 and the translate/rotate case`, async () => {
    const G = loadG(name);
    const errs: string[] = [];
    let worst = 0;
    for (const c of fixture.cases) {
      setTranslateRotate(G, c.translate, c.rotate);
      if (c.transform) assert.ok(maxAbsDiff(inputTransform(c.translate, c.rotate).flat(), c.transform.flat()) < 1e-15);
      const img = G.forward(seedsToZ([c.seed], fixture.z_dim), { truncationPsi: c.trunc });
      const ours = img.dataSync() as Float32Array;
      const ref = parseNpy(read(c.npy));
      assert.deepEqual(ref.shape, [3, 32, 32]);
      const err = maxAbsDiff(toNchw(ours, img.shape), ref.data as Float32Array);
      worst = Math.max(worst, err);
      errs.push(`${c.npy} ${err.toExponential(1)}`);
      assert.ok(maxLevelDiff(toUint8(ours), await pngPixels(read(c.png))) <= 1, `${c.png} differs by more than one level`);
      img.dispose();
    }
    assert.equal(fixture.cases.length, 9);
    assert.ok(worst < 2e-5, `max abs errors: ${errs.join(', ')}`); // the same arithmetic in float32: ~2e-6 here
    G.dispose();
  });

  test(`${name}: projected_w.npz through synthesis reproduces projected_w.npy / .png`, async () => {
    const G = loadG(name);
    const { w } = parseNpz(read('projected_w.npz'), 'projected_w.npz');
    assert.deepEqual(w.shape, [1, 16, 64]);
    const img = G.synthesis.forward(tf.tensor3d(w.data as Float32Array, [1, 16, 64]));
    const ours = img.dataSync() as Float32Array;
    const err = maxAbsDiff(toNchw(ours, img.shape), parseNpy(read('projected_w.npy')).data as Float32Array);
    assert.ok(err < 2e-5, `projected_w: max abs error ${err}`);
    assert.ok(maxLevelDiff(toUint8(ours), await pngPixels(read('projected_w.png'))) <= 1);
    G.dispose();
  });

  test(`${name}: D reproduces the official logits on d_input.npy`, () => {
    const D = new StyleGAN2Discriminator(discriminatorConfig(imported.config));
    D.store.loadRaw(imported.D!, 'D');
    const inp = parseNpy(read('d_input.npy'));
    assert.deepEqual(inp.shape, [4, 3, 32, 32]);
    const x = tf.transpose(tf.tensor4d(inp.data as Float32Array, [4, 3, 32, 32]), [0, 2, 3, 1]) as tf.Tensor4D;
    const logits = D.forward(x).dataSync();
    const err = maxAbsDiff(logits, parseNpy(read('d_logits.npy')).data as Float32Array);
    assert.ok(err < 2e-5, `D logits: max abs error ${err}`);
    D.dispose();
  });
}

test('G (the training generator) differs from G_ema, as the fixture made it', () => {
  const Ge = loadG('t32'), G = loadG('t32', 'G');
  const z = seedsToZ([0], 64);
  const d = maxAbsDiff(Ge.forward(z).dataSync(), G.forward(z).dataSync());
  assert.ok(d > 0.05, `G vs G_ema ${d}`);
  Ge.dispose();
  G.dispose();
});

test('translate is in image widths: 2/32 moves a 32 px image by exactly 2 pixels (integer shifts match to 1e-4 of the unshifted difference)', () => {
  const G = loadG('t32');
  const z = seedsToZ([1], 64);
  const a = G.forward(z).dataSync();
  setTranslateRotate(G, [2 / 32, 0], 0);
  const b = G.forward(z).dataSync();
  /** Squared difference of b(x, y) and a(x - dx, y) over the interior. */
  const err = (dx: number) => {
    let e = 0;
    for (let y = 4; y < 28; y++) for (let x = 4; x < 28; x++) for (let c = 0; c < 3; c++) e += (b[(y * 32 + x) * 3 + c] - a[(y * 32 + x - dx) * 3 + c]) ** 2;
    return e;
  };
  assert.ok(err(2) < 1e-3 * err(0), `shifted by 2: ${err(2)}, unshifted ${err(0)}`);
  assert.ok(err(1) > 0.1 * err(0));
  assert.deepEqual(makeTransform([0, 0], 0), [[1, 0, 0], [-0, 1, 0], [0, 0, 1]]);
  G.dispose();
});

test('our .safetensors checkpoint of an imported StyleGAN3 round-trips exactly, and forwards do not leak', () => {
  const { imported } = nets.r32;
  const bytes = encodeSnapshot({ config: imported.config, modules: { G_ema: imported.G_ema, G: imported.G!, D: imported.D! } });
  const snap = decodeNetworkSnapshot(bytes, 'r32.safetensors');
  assert.deepEqual(snap.config, imported.config);
  const G = buildGenerator(snap.config, snap.modules.G_ema!, 'r32.safetensors');
  const ref = loadG('r32');
  const z = seedsToZ([2], 64);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) tf.tidy(() => { G.forward(z, { truncationPsi: 0.7 }); });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  assert.equal(maxAbsDiff(G.forward(z).dataSync(), ref.forward(z).dataSync()), 0);
  G.dispose();
  ref.dispose();
});

const oneLine = (re: RegExp) => (e: unknown) => e instanceof Error && !e.message.includes('\n') && re.test(e.message);

test('unknown arguments, unknown, missing and mis-shaped tensors are named', () => {
  const { pkl, imported } = nets.t32;
  const p = readStyleGAN2Pickle(pkl, 'n.pkl');
  const cfg = (over: (c: StyleGAN3Config) => void) => { const c = structuredClone(imported.config); over(c); return c; };
  assert.throws(() => mapStyleGAN3Generator(p.G_ema, cfg((c) => { c.mapping.numLayers = 1; }), 'G_ema', 'n.pkl'), oneLine(/n\.pkl: G_ema .*unknown tensors mapping\.fc1\.weight, mapping\.fc1\.bias/));
  assert.throws(() => mapStyleGAN3Generator(p.G_ema, cfg((c) => { c.mapping.numLayers = 3; }), 'G_ema', 'n.pkl'), oneLine(/missing tensors mapping\.fc2\.weight/));
  assert.throws(() => mapStyleGAN3Generator(p.G_ema, cfg((c) => { c.synthesis.convKernel = 1; }), 'G_ema', 'n.pkl'), oneLine(/synthesis\.L0_36_48\.weight has shape \[48,48,3,3\], expected \[48,48,1,1\]/));
  const kw = p.G_ema.state._init_kwargs as Map<string, unknown>;
  kw.set('fancy_option', 1);
  assert.throws(() => config3FromInitKwargs(p.G_ema, p.D, 'n.pkl'), oneLine(/n\.pkl: unsupported StyleGAN3 options: unknown argument G\.fancy_option/));
});
