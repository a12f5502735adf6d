/**
 * StyleGAN-XL pickles (test/fixtures/stylegan-xl-tiny, made with autonomousvision/stylegan-xl:
 * a 32 px SuperresGenerator grown from the 16 px stem in stem16/): the dill pickle, the config
 * from the object state (not the stale _init_kwargs), strict tensor mapping, and parity of ws,
 * images and PNGs with gen_images.py, and of the projected w with run_inversion.py's output.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { setup, maxAbsDiff } from '../helpers.js';
import { configFromStateXL, importStyleGANXL, mapStyleGANXLGenerator } from '../../src/io/import-stylegan-xl.js';
import { unpickle } from '../../src/io/pickle.js';
import { isModuleRecord, torchHandlers, type TorchModuleRecord } from '../../src/io/torch.js';
import { StyleGANXLGenerator } from '../../src/networks/stylegan-xl/generator.js';
import { layerFilters } from '../../src/networks/stylegan3/schedule.js';
import { parseNpy, parseNpz } from '../../src/io/npy.js';
import { seedsToZ } from '../../src/sampling/generate.js';
import { toUint8XL } from '../../src/data/uint8.js';

before(setup);

const FIX = new URL('../fixtures/stylegan-xl-tiny/', import.meta.url);
const read = (dir: string, f: string) => Uint8Array.from(readFileSync(new URL(`${dir}${f}`, FIX)));
type LayerJson = { name: string; in_size: number; out_size: number; in_channels: number; out_channels: number; up_taps: number; down_taps: number;
  padding: number[]; in_cutoff: number; out_half_width: number; tmp_sampling_rate: number; is_torgb: boolean; magnitude_ema: number };
const fixture = (dir: string) => JSON.parse(readFileSync(new URL(`${dir}fixture.json`, FIX), 'utf8')) as {
  generator_class: string; num_ws: number; resolution: number; synthesis: { layers: LayerJson[] };
  cases: Array<{ seed: number; trunc: number; cls: number; npy: string; png: string; w: string }>;
};

/** NHWC [1, H, W, C] -> CHW, as the official .npy files are stored. */
function toChw(d: Float32Array, [, h, w, c]: number[]): Float32Array {
  const o = new Float32Array(d.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) o[(ch * h + y) * w + x] = d[(y * w + x) * c + ch];
  return o;
}
async function pngPixels(dir: string, f: string): Promise<Uint8Array> {
  const { data } = await sharp(Buffer.from(read(dir, f))).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}
const maxLevelDiff = (a: Uint8Array, b: Uint8Array) => { assert.equal(a.length, b.length); let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };

function load(dir: string): { G: StyleGANXLGenerator; imported: ReturnType<typeof importStyleGANXL> } {
  const imported = importStyleGANXL(read(dir, 'network.pkl'), 'network.pkl', { withG: true });
  const G = new StyleGANXLGenerator(imported.config);
  G.store.loadRaw(imported.G_ema, 'G_ema');
  return { G, imported };
}

for (const dir of ['', 'stem16/']) {
  const fx = fixture(dir);
  test(`${fx.generator_class} (${fx.resolution} px): config from the object state, layer by layer`, () => {
    const { G, imported } = load(dir);
    const c = imported.config;
    try {
      assert.equal(c.generatorClass, fx.generator_class);
      assert.deepEqual([c.zDim, c.cDim, c.wDim, c.imgResolution, G.numWs], [64, 10, 256, fx.resolution, fx.num_ws]);
      assert.deepEqual(c.mapping, { numLayers: 2, lrMultiplier: 0.01, wAvgBeta: 0.998, embedNum: 1000, embedDim: 320 });
      assert.deepEqual(c.synthesis.layers.map((l) => l.name), fx.synthesis.layers.map((l) => l.name));
      c.synthesis.layers.forEach((l, i) => {
        const o = fx.synthesis.layers[i];
        assert.deepEqual([l.inSize, l.outSize, l.inChannels, l.outChannels, l.upTaps, l.downTaps, l.padding, l.inCutoff, l.outHalfWidth, l.tmpSamplingRate, l.isTorgb],
          [o.in_size, o.out_size, o.in_channels, o.out_channels, o.up_taps, o.down_taps, o.padding, o.in_cutoff, o.out_half_width, o.tmp_sampling_rate, o.is_torgb], l.name);
        assert.equal(imported.G_ema[`synthesis.${l.name}.magnitudeEma`].data[0], Math.fround(o.magnitude_ema));
        // The stored filters are the ones the spec designs (to float32 rounding).
        const f = layerFilters(l);
        for (const [k, d] of [['upFilter', f.up], ['downFilter', f.down]] as const) {
          const stored = imported.G_ema[`synthesis.${l.name}.${k}`];
          assert.equal(stored === undefined, d === null, `${l.name}.${k}`);
          if (d) assert.ok(maxAbsDiff(stored.data, d.taps) < 2e-7 * Math.max(...d.taps), `${l.name}.${k}`);
        }
      });
      if (dir === '') assert.ok(!c.synthesis.layers.some((l) => l.name.startsWith('L4_')), 'grown: no L4');
      assert.deepEqual(imported.G_ema['mapping.wAvg'].shape, [10, 256]);
      assert.deepEqual(imported.G_ema['mapping.embed.weight'].shape, [1000, 320]);
      assert.ok(imported.G, 'G (the same object as G_ema) is read too');
    } finally {
      G.dispose();
    }
  });

  test(`${fx.generator_class} (${fx.resolution} px): ws, images and PNGs of gen_images.py for seeds 0-3, psi 1 and 0.7, class = seed % 10`, async () => {
    const { G } = load(dir);
    try {
      let worstW = 0, worstImg = 0, worstLevel = 0;
      for (const cs of fx.cases) {
        const z = seedsToZ([cs.seed], 64);
        const c = tf.cast(tf.oneHot(tf.tensor1d([cs.cls], 'int32'), 10), 'float32') as tf.Tensor2D;
        const ws = G.mappingForward(z, { c, truncationPsi: cs.trunc });
        const wRef = parseNpy(read(dir, cs.w));
        assert.deepEqual(wRef.shape, [fx.num_ws, 256]);
        worstW = Math.max(worstW, maxAbsDiff(ws.dataSync(), wRef.data as Float32Array));
        const img = G.synthesis.forward(ws);
        const ref = parseNpy(read(dir, cs.npy));
        const ours = toChw(img.dataSync() as Float32Array, img.shape);
        worstImg = Math.max(worstImg, maxAbsDiff(ours, ref.data as Float32Array));
        worstLevel = Math.max(worstLevel, maxLevelDiff(toUint8XL(img.dataSync() as Float32Array), await pngPixels(dir, cs.png)));
        tf.dispose([z, c, ws, img]);
      }
      console.log(`stylegan-xl ${fx.resolution} px: max |w - official| ${worstW.toExponential(2)}, max |image - official| ${worstImg.toExponential(2)}, max PNG level difference ${worstLevel}`);
      assert.ok(worstW < 1e-5, `ws differ by ${worstW}`);
      assert.ok(worstImg < 1e-5, `images differ by ${worstImg}`);
      assert.ok(worstLevel <= 1, `PNGs differ by ${worstLevel} levels`);
    } finally {
      G.dispose();
    }
  });

  test(`${fx.generator_class} (${fx.resolution} px): the projected w (run_inversion.py's projected_w.npz) synthesizes its image`, async () => {
    const { G } = load(dir);
    try {
      const npz = parseNpz(read(dir, 'projected_w.npz'), 'projected_w.npz');
      assert.deepEqual(npz.w.shape, [1, 1, 256]);
      const img = tf.tidy(() => G.synthesis.forward(tf.tile(tf.tensor3d(npz.w.data as Float32Array, [1, 1, 256]), [1, G.numWs, 1]) as tf.Tensor3D));
      const ref = parseNpy(read(dir, 'projected_w.npy'));
      const d = maxAbsDiff(toChw(img.dataSync() as Float32Array, img.shape), ref.data as Float32Array);
      assert.ok(d < 1e-5, `projected image differs by ${d}`);
      assert.ok(maxLevelDiff(toUint8XL(img.dataSync() as Float32Array), await pngPixels(dir, 'projected_w.png')) <= 1);
      img.dispose();
    } finally {
      G.dispose();
    }
  });
}

test('a batch gives the pictures of one seed at a time (as gen_images.py), truncation goes to each sample\'s class row, no tensors leak', () => {
  const { G } = load('');
  try {
    const z = seedsToZ([0, 1, 2], 64);
    const c = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2], 'int32'), 10), 'float32') as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const batch = G.forward(z, { c, truncationPsi: 0.7 });
    assert.equal(tf.memory().numTensors, before + 1);
    for (const [i, seed] of [0, 1, 2].entries()) {
      const ref = parseNpy(read('', `seed000${seed}-psi0.7.npy`));
      const one = tf.slice(batch, [i, 0, 0, 0], [1, 32, 32, 3]);
      assert.ok(maxAbsDiff(toChw(one.dataSync() as Float32Array, one.shape), ref.data as Float32Array) < 1e-5, `seed ${seed} in a batch`);
      one.dispose();
    }
    // psi 0: every style is the class's w_avg row.
    const ws0 = G.mappingForward(z, { c, truncationPsi: 0 });
    const wAvg = G.wAvg.arraySync() as number[][];
    const w = ws0.arraySync() as number[][][];
    for (let i = 0; i < 3; i++) assert.ok(maxAbsDiff(w[i][G.numWs - 1], wAvg[i]) < 1e-6);
    tf.dispose([z, c, batch, ws0]);
    assert.throws(() => G.mappingForward(seedsToZ([0], 64)), /a conditional network needs labels/);
  } finally {
    G.dispose();
  }
});

test('strict mapping: a missing or mis-shaped tensor, or an unknown one, is an error naming it', () => {
  const bytes = read('', 'network.pkl');
  const top = unpickle(bytes, 'network.pkl', { handlers: torchHandlers('network.pkl') }) as Map<string, unknown>;
  const G = top.get('G_ema') as TorchModuleRecord;
  assert.ok(isModuleRecord(G));
  const { config } = importStyleGANXL(bytes, 'network.pkl');
  const mods = G.state._modules as Map<string, TorchModuleRecord>;
  const mapping = mods.get('mapping')!;
  const mm = mapping.state._modules as Map<string, TorchModuleRecord | null>;
  const proj = mm.get('embed_proj')!;
  mm.delete('embed_proj');
  assert.throws(() => mapStyleGANXLGenerator(G, config, 'G_ema', 'x.pkl'), /^Error: x\.pkl: G_ema does not match a StyleGAN-XL generator with this config: missing tensors mapping\.embed_proj\.weight, mapping\.embed_proj\.bias$/);
  mm.set('embed_proj', proj);
  mm.set('extra', proj);
  assert.throws(() => mapStyleGANXLGenerator(G, config, 'G_ema', 'x.pkl'), /unknown tensors mapping\.extra\.weight, mapping\.extra\.bias/);
  mm.delete('extra');
  const bad = { ...config, mapping: { ...config.mapping, embedDim: 321 } };
  assert.throws(() => mapStyleGANXLGenerator(G, bad, 'G_ema', 'x.pkl'), /mapping\.embed\.weight has shape \[1000,320\], expected \[1000,321\]/);
});

test('not an XL pickle, or a stale state, is a one-line error naming the file', () => {
  const sg2 = Uint8Array.from(readFileSync(new URL('../stylegan2-ada-tiny/network.pkl', FIX)));
  assert.throws(() => importStyleGANXL(sg2, 'sg2.pkl'), /^Error: sg2\.pkl: G_ema is not a StyleGAN-XL generator \(its mapping has no class embedding table\)$/);
  const top = unpickle(read('', 'network.pkl'), 'network.pkl', { handlers: torchHandlers('network.pkl') }) as Map<string, unknown>;
  const syn = ((top.get('G_ema') as TorchModuleRecord).state._modules as Map<string, TorchModuleRecord>).get('synthesis')!;
  syn.state.layer_names = ['L0_36_64', 'L1_36_64', 'L2_36_64', 'L3_36_64', 'L5_36_64', 'L6_52_54', 'L8_32_32', 'L9_32_3'];
  assert.throws(() => configFromStateXL(top.get('G_ema') as TorchModuleRecord), /^Error: G_ema: num_ws 10 \(mapping 10\) does not match 8 layers \+ the input$/);
  syn.state.num_ws = 9;
  ((top.get('G_ema') as TorchModuleRecord).state._modules as Map<string, TorchModuleRecord>).get('mapping')!.state.num_ws = 9;
  assert.throws(() => configFromStateXL(top.get('G_ema') as TorchModuleRecord), /^Error: G_ema\.synthesis\.L8_32_32: input 52 px x 32 does not follow the previous 52 px x 54$/);
});

/** The fixture's pickle with D = None replaced by `d` (bytes without memo opcodes, so later memo indices hold). */
function withD(d: number[]): Uint8Array {
  const b = read('', 'network.pkl');
  const key = [0x8c, 1, 0x44, 0x94, 0x4e]; // SHORT_BINUNICODE 'D', MEMOIZE, NONE
  const at = b.findIndex((_, i) => key.every((k, j) => b[i + j] === k));
  assert.ok(at > 0);
  const out = new Uint8Array(b.length - 1 + d.length);
  out.set(b.subarray(0, at + 4));
  out.set(d, at + 4);
  out.set(b.subarray(at + 5), at + 4 + d.length);
  return out;
}

test('a training pickle with a plain ProjectedDiscriminator (timm / torch.nn modules, by reference) still gives G_ema; nothing outside the inert modules is accepted', () => {
  const enc = (s: string) => [...Buffer.from(s, 'latin1')];
  const g = (m: string, n: string) => [0x63, ...enc(`${m}\n${n}\n`)];
  const str = (s: string) => [0x55, s.length, ...enc(s)];
  const obj = (m: string, n: string, state: number[]) => [...g(m, n), 0x29, 0x81, 0x7d, 0x28, ...state, 0x75, 0x62];
  const conv = obj('torch.nn.modules.conv', 'Conv2d', [...str('in_channels'), 0x4b, 3]);
  const act = [...g('functools', 'partial'), ...g('torch.nn.functional', 'gelu'), 0x85, 0x52];
  const backbone = obj('timm.models.efficientnet', 'EfficientNet', [...str('conv_stem'), ...conv, ...str('act'), ...act]);
  const D = obj('pg_modules.discriminator', 'ProjectedDiscriminator', [...str('feature_network'), ...backbone]);
  const r = importStyleGANXL(withD(D), 'd.pkl');
  assert.equal(r.config.generatorClass, 'SuperresGenerator');
  assert.equal(Object.keys(r.G_ema).length, 75);
  for (const bad of [g('os', 'system'), g('builtins', 'eval'), g('posix', 'system'), g('subprocess', 'Popen')]) {
    assert.throws(() => importStyleGANXL(withD([...bad, 0x29, 0x52]), 'evil.pkl'), /^PickleError: Refusing to load evil\.pkl: pickle references disallowed global (os\.system|builtins\.eval|posix\.system|subprocess\.Popen) \(byte \d+\)$/);
  }
});
