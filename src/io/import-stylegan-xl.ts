/**
 * Importer for StyleGAN-XL network pickles (autonomousvision/stylegan-xl: `imagenet256.pkl`,
 * `pokemon1024.pkl`, training's best_model.pkl): `dill.dump(dict(G, D, G_ema, augment_pipe,
 * training_set_kwargs, progress))` with G from training.networks_stylegan3_resetting (a
 * `Generator` stem or a `SuperresGenerator`). Read through the safe unpickler (dill's numpy
 * arrays and the plain nn.Embedding included; nothing in the file runs). The config comes from
 * the object state (layer order, sizes, rates, cutoffs, padding, filter taps per layer), not
 * from `_init_kwargs`, which progressive growing leaves stale; every tensor goes through
 * ./stylegan-xl-table.ts with its shape checked, and the filters are taken as stored. D (a
 * projected discriminator on pretrained feature networks) is not imported.
 */
import { unpickle, isMap } from './pickle.js';
import { type TorchModuleRecord, isModuleRecord, torchHandlers } from './torch.js';
import { isNdArray } from './pickle-numpy.js';
import type { TensorMap } from './import-stylegan2.js';
import { mapThroughTable } from './import-stylegan3.js';
import { expandTableXL } from './stylegan-xl-table.js';
import type { StyleGANXLConfig, StyleGANXLLayerSpec } from '../networks/stylegan-xl/config.js';
import type { InputSpec } from '../networks/stylegan3/schedule.js';
import { bytesInclude, shownName } from './bytes.js';

const XL_CLASSES = ['Generator', 'SuperresGenerator'] as const;

/**
 * Modules whose classes and functions may appear in an XL training pickle outside G / G_ema:
 * D is a plain (non-persistent) ProjectedDiscriminator holding timm / torchvision feature
 * networks and torch.nn modules, which dill pickles by reference. They become inert records
 * (nothing is called) and are skipped; G_ema must still be made of persistent records.
 */
const XL_INERT_MODULES = ['torch', 'timm', 'torchvision', 'pg_modules', 'feature_networks', 'training', 'torch_utils', 'dnnlib', 'dill', 'functools', 'collections', 'copyreg', 'numpy'];

/** Whether a global the XL reader does not know may be read as an inert record (see XL_INERT_MODULES). */
export function xlInertGlobal(module: string): boolean {
  return XL_INERT_MODULES.some((m) => module === m || module.startsWith(`${m}.`));
}

function describe(v: unknown): string {
  if (isMap(v)) return `a dict with keys ${[...v.keys()].slice(0, 6).map(String).join(', ')}`;
  if (isModuleRecord(v)) return `a ${v.className}`;
  return v === null ? 'None' : typeof v;
}

/**
 * Whether a torch network pickle is StyleGAN-XL's: its mapping holds a plain nn.Embedding
 * (NVIDIA's StyleGAN2/3 pickles have none). The whole file is searched: in a stem the mapping
 * comes after the synthesis weights.
 */
export function isStyleGANXLPickle(bytes: Uint8Array): boolean {
  return bytesInclude(bytes, 'torch.nn.modules.sparse');
}

/** One module's attribute reader; errors name the attribute path. */
class Attrs {
  constructor(readonly m: TorchModuleRecord, readonly path: string) {}
  raw(k: string): unknown {
    if (!(k in this.m.state)) throw new Error(`${this.path} has no attribute ${k}`);
    return this.m.state[k];
  }
  num(k: string): number {
    const v = this.raw(k);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${this.path}.${k} = ${shownName(String(v))} is not a number`);
    return v;
  }
  int(k: string, min = 0): number {
    const v = this.num(k);
    if (!Number.isSafeInteger(v) || v < min || v > 1 << 24) throw new Error(`${this.path}.${k} = ${v} is not an integer in [${min}, 2^24]`);
    return v;
  }
  bool(k: string): boolean {
    const v = this.raw(k);
    if (typeof v !== 'boolean') throw new Error(`${this.path}.${k} is not a bool`);
    return v;
  }
  /** A size stored as an int or a numpy [w, h] array; only square sizes are supported. */
  size(k: string): number {
    const v = this.raw(k);
    let xs: number[];
    if (isNdArray(v)) xs = Array.from(v.data as ArrayLike<number | bigint>, Number);
    else if (Array.isArray(v)) xs = v.map(Number);
    else xs = [Number(v)];
    if (!xs.length || xs.length > 2 || xs.some((x) => !Number.isSafeInteger(x) || x < 1 || x > 1 << 16)) throw new Error(`${this.path}.${k} is not a size`);
    if (xs.some((x) => x !== xs[0])) throw new Error(`${this.path}.${k} = [${xs}] is not square (unsupported)`);
    return xs[0];
  }
  ints(k: string, n: number): number[] {
    const v = this.raw(k);
    if (!Array.isArray(v) || v.length !== n || v.some((x) => typeof x !== 'number' || !Number.isSafeInteger(x) || Math.abs(x) > 1 << 16)) throw new Error(`${this.path}.${k} is not ${n} integers`);
    return v as number[];
  }
  str(k: string): string {
    const v = this.raw(k);
    if (typeof v !== 'string') throw new Error(`${this.path}.${k} is not a str`);
    return v;
  }
  module(k: string): Attrs {
    const mods = this.m.state._modules;
    const v = isMap(mods) ? mods.get(k) : undefined;
    if (!isModuleRecord(v)) throw new Error(`${this.path} has no submodule ${shownName(k)}`);
    return new Attrs(v, `${this.path}.${k}`);
  }
  hasModule(k: string): boolean {
    const mods = this.m.state._modules;
    return isMap(mods) && isModuleRecord(mods.get(k));
  }
}

function layerSpec(a: Attrs, name: string): StyleGANXLLayerSpec {
  const isTorgb = a.bool('is_torgb');
  const upFactor = a.int('up_factor', 1), downFactor = a.int('down_factor', 1);
  const padding = a.ints('padding', 4) as [number, number, number, number];
  const clamp = a.raw('conv_clamp');
  const spec: StyleGANXLLayerSpec = {
    name, isTorgb, isCriticallySampled: a.bool('is_critically_sampled'),
    inChannels: a.int('in_channels', 1), outChannels: a.int('out_channels', 1), inSize: a.size('in_size'), outSize: a.size('out_size'),
    inSamplingRate: a.num('in_sampling_rate'), outSamplingRate: a.num('out_sampling_rate'), tmpSamplingRate: a.num('tmp_sampling_rate'),
    inCutoff: a.num('in_cutoff'), outCutoff: a.num('out_cutoff'), inHalfWidth: a.num('in_half_width'), outHalfWidth: a.num('out_half_width'),
    convKernel: a.int('conv_kernel', 1), upFactor, downFactor, upTaps: a.int('up_taps', 1), downTaps: a.int('down_taps', 1),
    downRadial: a.bool('down_radial'), padding,
    convClamp: clamp === null ? null : a.num('conv_clamp'), magnitudeEmaBeta: a.num('magnitude_ema_beta'),
  };
  // What filtered_lrelu and the conv will be asked to do must be consistent, or the file is not a network we can run.
  const upSize = (spec.inSize + spec.convKernel - 1) * upFactor + padding[0] + padding[1] - (spec.upTaps - 1) - (spec.downTaps - 1);
  if (upFactor > 8 || downFactor > 8 || Math.ceil(upSize / downFactor) !== spec.outSize) {
    throw new Error(`${a.path}: in_size ${spec.inSize}, up ${upFactor}, padding [${padding}], down ${downFactor} do not give out_size ${spec.outSize}`);
  }
  return spec;
}

/** Our config from the generator's object state. */
export function configFromStateXL(G: TorchModuleRecord): StyleGANXLConfig {
  const g = new Attrs(G, 'G_ema');
  const cls = G.className as (typeof XL_CLASSES)[number];
  const m = g.module('mapping');
  if (!m.hasModule('embed') || !m.hasModule('fc0')) throw new Error('G_ema is not a StyleGAN-XL generator (its mapping has no class embedding table)');
  const s = g.module('synthesis'), inp = s.module('input'), embed = m.module('embed');
  const cDim = g.int('c_dim'), zDim = g.int('z_dim', 1), wDim = g.int('w_dim', 1);
  const names = s.raw('layer_names');
  if (!Array.isArray(names) || !names.length || names.some((n) => typeof n !== 'string')) throw new Error('G_ema.synthesis.layer_names is not a list of names');
  const layers = (names as string[]).map((n) => layerSpec(s.module(n), n));
  const numWs = s.int('num_ws', 1);
  if (numWs !== layers.length + 1 || m.int('num_ws', 1) !== numWs) {
    throw new Error(`G_ema: num_ws ${numWs} (mapping ${m.num('num_ws')}) does not match ${layers.length} layers + the input`);
  }
  const input: InputSpec = { channels: inp.int('channels', 1), size: inp.size('size'), samplingRate: inp.num('sampling_rate'), bandwidth: inp.num('bandwidth') };
  const res = g.int('img_resolution', 1), channels = g.int('img_channels', 1);
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i], prev = i ? layers[i - 1] : { outChannels: input.channels, outSize: input.size };
    if (l.inChannels !== prev.outChannels || l.inSize !== prev.outSize) {
      throw new Error(`G_ema.synthesis.${l.name}: input ${l.inSize} px x ${l.inChannels} does not follow the previous ${prev.outSize} px x ${prev.outChannels}`);
    }
  }
  const last = layers[layers.length - 1];
  if (!last.isTorgb || last.outSize !== res || last.outChannels !== channels || layers.slice(0, -1).some((l) => l.isTorgb)) {
    throw new Error(`G_ema.synthesis: the last layer must be the only ToRGB, ${res} px x ${channels}`);
  }
  const fc0 = m.module('fc0');
  if (cDim > embed.int('num_embeddings', 1)) throw new Error(`G_ema: c_dim ${cDim} exceeds the ${embed.num('num_embeddings')} rows of the class embedding`);
  return {
    arch: 'stylegan-xl', generatorClass: cls, zDim, cDim, wDim, imgResolution: res, imgChannels: channels,
    mapping: {
      numLayers: m.int('num_layers', 1), lrMultiplier: fc0.num('bias_gain'), wAvgBeta: m.num('w_avg_beta'),
      embedNum: embed.int('num_embeddings', 1), embedDim: embed.int('embedding_dim', 1),
    },
    synthesis: { input, layers, outputScale: s.num('output_scale') },
  };
}

/** Maps the generator record through the table: strict both ways, shapes checked. */
export function mapStyleGANXLGenerator(net: TorchModuleRecord, cfg: StyleGANXLConfig, label: string, source: string): TensorMap {
  return mapThroughTable(net, expandTableXL(cfg), 'a StyleGAN-XL generator', label, source);
}

export interface StyleGANXLImport {
  config: StyleGANXLConfig;
  G_ema: TensorMap;
  G?: TensorMap;
  /** Set when the pickle says what the classes are (training_set_kwargs has no names; kept for the future). */
  classNames?: string[];
}

/** Reads a StyleGAN-XL `.pkl` and maps G_ema (and optionally G) onto our parameters. */
export function importStyleGANXL(bytes: Uint8Array, source: string, opts: { withG?: boolean } = {}): StyleGANXLImport {
  const top = unpickle(bytes, source, { handlers: torchHandlers(source), inertGlobal: xlInertGlobal });
  if (!isMap(top) || !top.has('G_ema')) throw new Error(`${source}: not a StyleGAN-XL network pickle (expected a dict with G_ema; got ${describe(top)})`);
  const get = (k: string): TorchModuleRecord => {
    const v = top.get(k);
    if (!isModuleRecord(v) || !(XL_CLASSES as readonly string[]).includes(v.className)) {
      throw new Error(`${source}: ${k} is ${describe(v)}, expected a StyleGAN-XL Generator or SuperresGenerator`);
    }
    return v;
  };
  const G_ema = get('G_ema');
  let config: StyleGANXLConfig;
  try {
    config = configFromStateXL(G_ema);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  const result: StyleGANXLImport = { config, G_ema: mapStyleGANXLGenerator(G_ema, config, 'G_ema', source) };
  if (opts.withG && top.get('G') !== undefined && top.get('G') !== null) {
    const G = get('G');
    let gc: StyleGANXLConfig;
    try { gc = configFromStateXL(G); } catch (e) { throw new Error(`${source}: G: ${(e as Error).message}`); }
    if (JSON.stringify(gc) !== JSON.stringify(config)) throw new Error(`${source}: G and G_ema have different architectures`);
    result.G = mapStyleGANXLGenerator(G, config, 'G', source);
  }
  return result;
}
