/**
 * Export of StyleGAN2 networks as NVIDIA's TensorFlow StyleGAN2 pickle (G, D, Gs), read back
 * with our own unpickler: the Network records and kwargs legacy.py expects, TF variable names
 * and layouts, and the round trip ours -> TF pickle -> ours (same tensors, same images as the
 * official fixture outputs). NVIDIA's loader itself was run on these files outside the tests
 * (see the README's export section).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setup, maxAbsDiff, testRandom } from '../helpers.js';
import { importStyleGAN2 } from '../../src/io/import-stylegan2.js';
import { exportStyleGAN2Tf } from '../../src/io/export-stylegan2-tf.js';
import { readStyleganTfPickle, type TfNetwork } from '../../src/io/import-stylegan-tf.js';
import { importStyleGAN2Tf, isStyleGAN2Tf } from '../../src/io/import-stylegan2-tf.js';
import { PyObject, unpickle } from '../../src/io/pickle.js';
import { STYLEGAN_TF_HANDLERS } from '../../src/io/import-stylegan-tf.js';
import { defaultStyleGAN2Config } from '../../src/networks/stylegan2/config.js';
import { StyleGAN2Generator } from '../../src/networks/stylegan2/generator.js';
import { StyleGAN2Discriminator } from '../../src/networks/stylegan2/discriminator.js';
import type { NetworkConfig } from '../../src/networks/config.js';
import type { StyleGAN2Config } from '../../src/networks/stylegan2/config.js';
import type { RawTensor } from '../../src/networks/params.js';
import type { Snapshot } from '../../src/io/snapshot.js';
import { encodeSnapshot, decodeNetworkSnapshot } from '../../src/io/snapshot.js';
import { generateImages, networkFromSnapshot } from '../../src/sampling/generate.js';
import { convertCommand } from '../../src/cli/convert.js';
import { readNetworkFile } from '../../src/cli/network.js';
import { parseNpy } from '../../src/io/npy.js';
import type { NdArray } from '../../src/io/pickle-numpy.js';

before(setup);

const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/stylegan2-ada-tiny');
const official = importStyleGAN2(fs.readFileSync(path.join(dir, 'network.pkl')), 'network.pkl', { withG: true, withD: true });
const snapshot: Snapshot<NetworkConfig> = { config: official.config, modules: { G: official.G!, D: official.D!, G_ema: official.G_ema } };
const pkl = exportStyleGAN2Tf(snapshot, 'tiny.safetensors');

/** The keys legacy.py's convert_tf_generator / convert_tf_discriminator accept (others raise 'Unknown TensorFlow kwarg'). */
const LEGACY_G_KWARGS = ['latent_size', 'label_size', 'dlatent_size', 'resolution', 'num_channels', 'mapping_layers', 'label_fmaps', 'mapping_fmaps',
  'mapping_nonlinearity', 'mapping_lrmul', 'w_avg_beta', 'fmap_base', 'fmap_max', 'num_fp16_res', 'conv_clamp', 'architecture', 'resample_kernel',
  'use_noise', 'nonlinearity', 'truncation_psi', 'truncation_cutoff', 'style_mixing_prob', 'structure'];
const LEGACY_D_KWARGS = ['label_size', 'resolution', 'num_channels', 'architecture', 'fmap_base', 'fmap_max', 'num_fp16_res', 'conv_clamp', 'mapping_fmaps',
  'nonlinearity', 'resample_kernel', 'freeze_layers', 'mapping_layers', 'mapping_lrmul', 'mbstd_group_size', 'mbstd_num_features', 'structure'];

function refHwc(file: string): Float32Array {
  const a = parseNpy(fs.readFileSync(path.join(dir, file)));
  const [c, h, w] = a.shape, d = a.data as Float32Array, out = new Float32Array(d.length);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[i * c + ch] = d[ch * h * w + i];
  return out;
}

function assertSameTensors(a: Record<string, RawTensor>, b: Record<string, RawTensor>, what: string): void {
  assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort(), what);
  for (const [k, t] of Object.entries(a)) {
    assert.deepEqual(b[k].shape, t.shape, `${what} ${k}`);
    assert.equal(maxAbsDiff(b[k].data, t.data), 0, `${what} ${k}`);
  }
}

test('the pickle is a (G, D, Gs) tuple of version-4 dnnlib Network states with an empty module source', () => {
  const top = unpickle(pkl, 'tiny.pkl', { handlers: STYLEGAN_TF_HANDLERS });
  assert.ok(Array.isArray(top) && top.length === 3);
  for (const [i, name] of ['G', 'D', 'Gs'].entries()) {
    const net = top[i] as PyObject;
    assert.ok(net instanceof PyObject && net.module === 'dnnlib.tflib.network' && net.name === 'Network');
    const s = net.state as Map<string, unknown>;
    assert.deepEqual([...s.keys()], ['version', 'name', 'static_kwargs', 'components', 'build_module_src', 'build_func_name', 'variables']);
    assert.equal(s.get('version'), 4);
    assert.equal(s.get('name'), name);
    assert.equal(s.get('build_module_src'), '');
    assert.equal(s.get('build_func_name'), name === 'D' ? 'D_main' : 'G_main');
  }
});

test('static_kwargs use only names legacy.py knows and say what the config says', () => {
  const { G, D, Gs } = readStyleganTfPickle(pkl, 'tiny.pkl');
  for (const net of [G, Gs]) for (const k of Object.keys(net.staticKwargs)) assert.ok(LEGACY_G_KWARGS.includes(k), `G kwarg ${k}`);
  for (const k of Object.keys(D.staticKwargs)) assert.ok(LEGACY_D_KWARGS.includes(k), `D kwarg ${k}`);
  const c = official.config;
  assert.equal(Gs.staticKwargs.fmap_base, c.synthesis.channelBase / 2); // legacy.py: channel_base = fmap_base * 2
  assert.equal(Gs.staticKwargs.conv_clamp, 256);
  assert.equal(Gs.staticKwargs.w_avg_beta, 0.995);
  assert.deepEqual(Gs.staticKwargs.resample_kernel, [1, 3, 3, 1]);
  assert.equal(D.staticKwargs.mbstd_group_size, c.discriminator.mbstdGroupSize);
  assert.equal(D.staticKwargs.architecture, 'resnet');
  assert.deepEqual(Object.keys(Gs.components).sort(), ['mapping', 'synthesis']);
  assert.equal(Gs.components.mapping.buildFuncName, 'G_mapping');
  assert.equal(Gs.components.synthesis.buildFuncName, 'G_synthesis');
  assert.equal(Gs.components.mapping.staticKwargs.dlatent_broadcast, 8); // num_ws at 32 px
});

test('variables: TF names, NCHW const and noise, flipped Conv0_up, mod_bias = affine bias - 1, NCHW rows of Dense0', () => {
  const { Gs, D } = readStyleganTfPickle(pkl, 'tiny.pkl');
  const syn = Gs.components.synthesis.variables, map = Gs.components.mapping.variables;
  const ours = official.G_ema, d = official.D!;
  assert.deepEqual([...Gs.variables.keys()], ['dlatent_avg']);
  assert.deepEqual([...map.keys()].slice(0, 2), ['Dense0/weight', 'Dense0/bias']);
  assert.deepEqual([...syn.keys()].slice(0, 7), ['noise0', 'noise1', 'noise2', 'noise3', 'noise4', 'noise5', 'noise6']);
  assert.ok(!syn.has('noise7')); // num_ws - 1 stored noise maps
  const get = (m: Map<string, NdArray>, k: string) => { const v = m.get(k); assert.ok(v && v.data instanceof Float32Array, k); return v as { shape: number[]; data: Float32Array }; };
  // const [1, C, 4, 4] vs ours [4, 4, C].
  const cst = get(syn, '4x4/Const/const'), C = ours['synthesis.b4.const'].shape[2];
  assert.deepEqual(cst.shape, [1, C, 4, 4]);
  assert.equal(cst.data[2 * 16 + 1 * 4 + 3], ours['synthesis.b4.const'].data[(1 * 4 + 3) * C + 2]);
  // noise{2 log2 R - 4} for conv1 at R, [1, 1, R, R].
  assert.deepEqual(get(syn, 'noise4').shape, [1, 1, 16, 16]);
  assert.equal(maxAbsDiff(get(syn, 'noise4').data, ours['synthesis.b16.conv1.noiseConst'].data), 0);
  assert.deepEqual(get(syn, '16x16/Conv1/noise_strength').shape, []);
  // Conv0_up weight flipped in both spatial axes.
  const w = ours['synthesis.b8.conv0.weight'], [kh, kw, ci, co] = w.shape, tfw = get(syn, '8x8/Conv0_up/weight');
  assert.deepEqual(tfw.shape, w.shape);
  assert.equal(tfw.data[((0 * kw + 1) * ci + 2) * co + 3], w.data[(((kh - 1) * kw + (kw - 2)) * ci + 2) * co + 3]);
  assert.equal(maxAbsDiff(get(syn, '8x8/Conv1/weight').data, ours['synthesis.b8.conv1.weight'].data), 0);
  assert.equal(maxAbsDiff(get(syn, '4x4/Conv/mod_bias').data, ours['synthesis.b4.conv1.affine.bias'].data.map((v) => v - 1)), 0);
  assert.equal(maxAbsDiff(get(syn, '32x32/ToRGB/mod_weight').data, ours['synthesis.b32.torgb.affine.weight'].data), 0);
  assert.equal(maxAbsDiff(get(Gs.variables, 'dlatent_avg').data, ours['mapping.wAvg'].data), 0);
  // D: Dense0 rows (c, h, w) vs ours (h, w, c).
  const fc = d['b4.fc.weight'], c4 = fc.shape[0] / 16, out = fc.shape[1], dense = get(D.variables, '4x4/Dense0/weight');
  assert.equal(dense.data[(3 * 16 + 5) * out + 1], fc.data[(5 * c4 + 3) * out + 1]);
  assert.equal(maxAbsDiff(get(D.variables, '32x32/Conv1_down/weight').data, d['b32.conv1.weight'].data), 0);
  assert.ok(D.variables.has('32x32/FromRGB/weight') && D.variables.has('32x32/Skip/weight') && D.variables.has('Output/bias'));
});

test('round trip: our reader of TF StyleGAN2 pickles gives back the same config and tensors, and the official images', async () => {
  const nets = readStyleganTfPickle(pkl, 'tiny.pkl');
  assert.ok(isStyleGAN2Tf(nets));
  const back = importStyleGAN2Tf(nets, 'tiny.pkl', { withG: true, withD: true });
  assert.deepEqual(back.config, official.config);
  assertSameTensors(official.G_ema, back.G_ema, 'G_ema');
  assertSameTensors(official.G!, back.G!, 'G');
  assertSameTensors(official.D!, back.D!, 'D');
  const G = networkFromSnapshot({ config: back.config, modules: { G_ema: back.G_ema } }, 'tiny.pkl');
  const imgs = await generateImages(G, [0, 1], { truncationPsi: 0.5 });
  for (const img of imgs) assert.ok(maxAbsDiff(img.data, refHwc(`seed000${img.seed}-psi0.5.npy`)) < 1e-4);
  G.dispose();
});

/** Random networks with every table branch the fixture lacks: labels, resnet G, skip D, orig, no noise, odd filters. */
function randomSnapshot(cfg: StyleGAN2Config, seed: number): Snapshot<NetworkConfig> {
  const rnd = testRandom(seed);
  const G = new StyleGAN2Generator(cfg, rnd), Ge = new StyleGAN2Generator(cfg, rnd), D = new StyleGAN2Discriminator(cfg, rnd);
  const raw = (s: { toRaw(): Record<string, RawTensor> }) => {
    const r = s.toRaw();
    for (const [k, t] of Object.entries(r)) if (/bias|noiseStrength|wAvg/.test(k)) t.data = t.data.map((v) => v + rnd() - 0.5);
    return r;
  };
  const s = { config: cfg, modules: { G: raw(G.store), G_ema: raw(Ge.store), D: raw(D.store) } };
  G.dispose(); Ge.dispose(); D.dispose();
  return s;
}

test('round trip of conditional resnet/skip and orig/no-noise networks is exact', () => {
  const cfgs = [
    defaultStyleGAN2Config({ zDim: 8, wDim: 8, cDim: 3, imgResolution: 16, mapping: { numLayers: 2, embedFeatures: 4, layerFeatures: 6 },
      synthesis: { channelBase: 128, channelMax: 8, architecture: 'resnet' },
      discriminator: { channelBase: 64, channelMax: 8, architecture: 'skip', mbstdGroupSize: null, mappingLayers: 2, cmapDim: 4, mappingLrMultiplier: 0.1, convClamp: 256 } }),
    defaultStyleGAN2Config({ zDim: 4, wDim: 6, imgResolution: 8, imgChannels: 1, mapping: { numLayers: 3 },
      synthesis: { channelBase: 64, channelMax: 4, architecture: 'orig', useNoise: false, resampleFilter: [1, 2, 1] },
      discriminator: { channelBase: 64, channelMax: 4, architecture: 'orig', mbstdGroupSize: 2, mbstdNumChannels: 2, resampleFilter: [1, 1] } }),
  ];
  cfgs.forEach((cfg, i) => {
    const s = randomSnapshot(cfg, i + 1);
    const nets = readStyleganTfPickle(exportStyleGAN2Tf(s, 'x.safetensors'), 'x.pkl');
    if (cfg.cDim) {
      assert.ok(nets.Gs.components.mapping.variables.has('LabelEmbed/weight') && nets.D.variables.has('Mapping1/weight') && nets.D.variables.has('LabelEmbed/bias'));
      assert.ok(nets.Gs.components.synthesis.variables.has('16x16/Skip/weight') && nets.D.variables.has('4x4/FromRGB/weight'));
    } else {
      assert.ok(![...nets.Gs.components.synthesis.variables.keys()].some((k) => k.includes('noise')));
    }
    const back = importStyleGAN2Tf(nets, 'x.pkl', { withG: true, withD: true });
    assert.deepEqual(back.config, cfg);
    for (const m of ['G', 'D', 'G_ema'] as const) assertSameTensors(s.modules[m]!, m === 'G_ema' ? back.G_ema : back[m]!, `${i} ${m}`);
  });
});

test('what the format cannot hold is an error naming the file', () => {
  assert.throws(() => exportStyleGAN2Tf({ ...snapshot, modules: { G_ema: official.G_ema } }, 'g.safetensors'), /^Error: g\.safetensors: has no G, D; the TF pickle holds G, D and Gs/);
  const odd = { ...snapshot, config: { ...official.config, synthesis: { ...official.config.synthesis, channelBase: 1025 } } };
  assert.throws(() => exportStyleGAN2Tf(odd, 'o.safetensors'), /o\.safetensors: synthesis channelBase 1025 is odd/);
  const extra = { ...snapshot, modules: { ...snapshot.modules, D: { ...official.D!, 'b4.extra': { shape: [1], data: new Float32Array(1) } } } };
  assert.throws(() => exportStyleGAN2Tf(extra, 'e.safetensors'), /e\.safetensors: D does not match its config: unknown b4\.extra/);
  const sg1: Snapshot<NetworkConfig> = { config: { arch: 'stylegan' } as NetworkConfig, modules: { G_ema: {} } };
  assert.throws(() => exportStyleGAN2Tf(sg1, 's.safetensors'), /s\.safetensors: only 'stylegan2' networks/);
});

test('reader: unknown kwargs and variables of a TF StyleGAN2 pickle are errors, as in legacy.py', () => {
  const nets = readStyleganTfPickle(pkl, 'tiny.pkl');
  const withKw: TfNetwork = { ...nets.Gs, staticKwargs: { ...nets.Gs.staticKwargs, fmap_decay: 1 } };
  assert.throws(() => importStyleGAN2Tf({ ...nets, Gs: withKw }, 'k.pkl'), /k\.pkl: G has static_kwargs NVIDIA's legacy\.py does not know: fmap_decay/);
  const huge: TfNetwork = { ...nets.Gs, staticKwargs: { ...nets.Gs.staticKwargs, mapping_layers: 1e9 } };
  assert.throws(() => importStyleGAN2Tf({ ...nets, Gs: huge }, 'h.pkl'), /h\.pkl: G static_kwargs\.mapping_layers = 1000000000 is out of range/);
  const vars = new Map(nets.Gs.variables);
  vars.set('bogus', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
  assert.throws(() => importStyleGAN2Tf({ ...nets, Gs: { ...nets.Gs, variables: vars } }, 'v.pkl'), /v\.pkl: Gs does not match a StyleGAN2 with this config: unknown TF variables bogus/);
});

test('convert: our checkpoint -> out.pkl -> our checkpoint through the CLI', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-export-'));
  try {
    const ckpt = path.join(tmp, 'network-snapshot-000400.safetensors'), out = path.join(tmp, 'out.pkl'), back = path.join(tmp, 'back.safetensors');
    fs.writeFileSync(ckpt, encodeSnapshot(snapshot));
    await convertCommand([ckpt, out]);
    assert.equal(maxAbsDiff(fs.readFileSync(out), pkl), 0); // the same bytes as the library writes
    assert.equal(readNetworkFile(out).config.arch, 'stylegan2'); // the .pkl dispatch finds G_main
    await convertCommand([out, back]);
    const s = decodeNetworkSnapshot(fs.readFileSync(back), back);
    for (const m of ['G', 'D', 'G_ema'] as const) assertSameTensors(snapshot.modules[m]!, s.modules[m]!, m);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
