/**
 * Importer for NVIDIA's stylegan2-ada-pytorch network pickles (`network-snapshot-*.pkl`,
 * `ffhq.pkl`, ...): `pickle.dump(dict(G, D, G_ema, augment_pipe, training_set_kwargs))` of
 * `torch_utils.persistence` objects (reference: legacy.py load_network_pkl, training/networks.py
 * for the constructor arguments and their defaults). Read through the safe unpickler with the
 * torch handlers of ./torch.ts: the embedded module source is never run. The configuration
 * comes from the `_init_kwargs` (with NVIDIA's defaults); tensors go through the table in
 * ./stylegan2-table.ts, every shape checked, unknown and missing names reported.
 */
import { unpickle, isMap } from './pickle.js';
import { type TorchModuleRecord, TorchTensor, isModuleRecord, tensorToFloat32, torchHandlers } from './torch.js';
import type { StyleGAN2Config } from '../networks/stylegan2/config.js';
import type { RawTensor } from '../networks/params.js';
import { setupFilter } from '../networks/stylegan2/ops.js';
import { expandTable2, officialShape, transformData } from './stylegan2-table.js';
import { shownName } from './bytes.js';

export type TensorMap = Record<string, RawTensor>;

export interface StyleGAN2Pickle { G: TorchModuleRecord; D: TorchModuleRecord; G_ema: TorchModuleRecord }

function describe(v: unknown): string {
  if (isMap(v)) return `a dict with keys ${[...v.keys()].slice(0, 6).map(String).join(', ')}`;
  if (Array.isArray(v)) return `a sequence of ${v.length}`;
  if (isModuleRecord(v)) return `a ${v.className}`;
  return v === null ? 'None' : typeof v;
}

/** Unpickles and checks the top-level dict; errors name `source`. */
export function readStyleGAN2Pickle(bytes: Uint8Array, source: string): StyleGAN2Pickle {
  const top = unpickle(bytes, source, { handlers: torchHandlers(source) });
  if (!isMap(top) || !top.has('G_ema')) {
    throw new Error(`${source}: not a StyleGAN2-ADA network pickle (expected a dict with G, D, G_ema; got ${describe(top)})`);
  }
  const get = (k: string, cls: string): TorchModuleRecord => {
    const v = top.get(k);
    if (!isModuleRecord(v) || v.className !== cls) throw new Error(`${source}: ${k} is ${describe(v)}, expected a persistent ${cls}`);
    return v;
  };
  return { G: get('G', 'Generator'), D: get('D', 'Discriminator'), G_ema: get('G_ema', 'Generator') };
}

/** Every tensor of a module tree by its state_dict name; `filters` collects resample_filter buffers. */
export function flattenModule(m: TorchModuleRecord, prefix = '', out = new Map<string, TorchTensor>(), filters = new Map<string, TorchTensor>()): { tensors: Map<string, TorchTensor>; filters: Map<string, TorchTensor> } {
  for (const key of ['_parameters', '_buffers'] as const) {
    const d = m.state[key];
    if (d === undefined) continue;
    if (!isMap(d)) throw new Error(`${prefix || 'module'} ${key} is not a dict`);
    for (const [k, v] of d) {
      if (v === null) continue;
      if (!(v instanceof TorchTensor)) throw new Error(`${shownName(prefix + String(k))} is not a tensor`);
      (k === 'resample_filter' ? filters : out).set(`${prefix}${String(k)}`, v);
    }
  }
  const mods = m.state._modules;
  if (mods !== undefined) {
    if (!isMap(mods)) throw new Error(`${prefix || 'module'} _modules is not a dict`);
    for (const [k, v] of mods) {
      if (v === null) continue;
      if (!isModuleRecord(v)) throw new Error(`${shownName(prefix + String(k))} is not a persistent module`);
      flattenModule(v, `${prefix}${String(k)}.`, out, filters);
    }
  }
  return { tensors: out, filters };
}

// ---------------------------------------------------------------------------------------------
// Constructor arguments with NVIDIA's defaults (training/networks.py signatures).

export type Kw = Record<string, unknown>;
/** Positional order as in the signatures; undefined = required. */
const G_DEFAULTS: Kw = {
  z_dim: undefined, c_dim: undefined, w_dim: undefined, img_resolution: undefined, img_channels: undefined, mapping_kwargs: null, synthesis_kwargs: null,
};
const D_DEFAULTS: Kw = {
  c_dim: undefined, img_resolution: undefined, img_channels: undefined, architecture: 'resnet', channel_base: 32768, channel_max: 512,
  num_fp16_res: 0, conv_clamp: null, cmap_dim: null, block_kwargs: null, mapping_kwargs: null, epilogue_kwargs: null,
};
const MAPPING_DEFAULTS: Kw = { num_layers: 8, embed_features: null, layer_features: null, activation: 'lrelu', lr_multiplier: 0.01, w_avg_beta: 0.995 };
const SYNTHESIS_DEFAULTS: Kw = {
  channel_base: 32768, channel_max: 512, num_fp16_res: 0, architecture: 'skip', resample_filter: [1, 3, 3, 1], conv_clamp: null,
  fp16_channels_last: false, kernel_size: 3, use_noise: true, activation: 'lrelu',
};
const D_BLOCK_DEFAULTS: Kw = { activation: 'lrelu', resample_filter: [1, 3, 3, 1], fp16_channels_last: false, freeze_layers: 0 };
const D_EPILOGUE_DEFAULTS: Kw = { mbstd_group_size: 4, mbstd_num_channels: 1, activation: 'lrelu' };

export function toKw(v: unknown, what: string): Kw {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw new Error(`${what} is not a dict`);
  const out: Kw = {};
  for (const [k, x] of v) out[String(k)] = x;
  return out;
}

/** _init_args + _init_kwargs by name, over the defaults; unknown names are errors. */
export function initKwargs(m: TorchModuleRecord, names: string[], what: string): Kw {
  const args = m.state._init_args ?? [];
  if (!Array.isArray(args) || args.length > names.length) throw new Error(`${what} has unexpected _init_args`);
  const kw = toKw(m.state._init_kwargs, `${what} _init_kwargs`);
  args.forEach((a, i) => { kw[names[i]] = a; });
  return kw;
}

export function resolve(defaults: Kw, kw: Kw, what: string, problems: string[]): Kw {
  for (const k of Object.keys(kw)) if (!(k in defaults)) problems.push(`${what}.${k}`);
  return { ...defaults, ...Object.fromEntries(Object.entries(kw).filter(([k]) => k in defaults)) };
}

export const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${what} = ${shownName(String(v))} is not a number`);
  return v;
};
const arch = (v: unknown, what: string): 'orig' | 'skip' | 'resnet' => {
  if (v !== 'orig' && v !== 'skip' && v !== 'resnet') throw new Error(`${what} = ${shownName(String(v))} is not orig / skip / resnet`);
  return v;
};
const taps = (v: unknown, what: string): number[] => {
  if (!Array.isArray(v) || !v.length || v.length >= 8 || v.some((t) => typeof t !== 'number')) throw new Error(`${what} must be a 1-D filter of < 8 taps`);
  return v.map(Number);
};

/** D's config from its constructor arguments (defaults from G's sizes when the pickle has no D); problems are collected. */
export function discriminatorFromInitKwargs(D: TorchModuleRecord | null, g: Kw, problems: string[]): StyleGAN2Config['discriminator'] {
  const dk = D ? resolve(D_DEFAULTS, initKwargs(D, Object.keys(D_DEFAULTS), 'D'), 'D', problems) : { ...D_DEFAULTS, c_dim: g.c_dim, img_resolution: g.img_resolution, img_channels: g.img_channels };
  const db = resolve(D_BLOCK_DEFAULTS, toKw(dk.block_kwargs, 'D block_kwargs'), 'D.block_kwargs', problems);
  const dm = resolve(MAPPING_DEFAULTS, toKw(dk.mapping_kwargs, 'D mapping_kwargs'), 'D.mapping_kwargs', problems);
  const de = resolve(D_EPILOGUE_DEFAULTS, toKw(dk.epilogue_kwargs, 'D epilogue_kwargs'), 'D.epilogue_kwargs', problems);
  if (!(db.activation === 'lrelu' && de.activation === 'lrelu' && dm.activation === 'lrelu')) problems.push('D activation other than lrelu');
  if (D && !(dk.c_dim === g.c_dim && dk.img_resolution === g.img_resolution && dk.img_channels === g.img_channels)) problems.push('D c_dim / img_resolution / img_channels differ from G');
  const cDim = num(g.c_dim, 'c_dim');
  const dBase = num(dk.channel_base, 'D channel_base'), dMax = num(dk.channel_max, 'D channel_max');
  const cmap = dk.cmap_dim === null ? Math.min(Math.floor(dBase / 4), dMax) : num(dk.cmap_dim, 'cmap_dim');
  return {
    channelBase: dBase, channelMax: dMax, numFp16Res: num(dk.num_fp16_res, 'D num_fp16_res'), convClamp: dk.conv_clamp === null ? null : num(dk.conv_clamp, 'D conv_clamp'),
    architecture: arch(dk.architecture, 'D architecture'), resampleFilter: taps(db.resample_filter, 'D resample_filter'),
    cmapDim: cDim > 0 ? cmap : 0, mappingLayers: num(dm.num_layers, 'D mapping num_layers'), mappingLrMultiplier: num(dm.lr_multiplier, 'D lr_multiplier'),
    mbstdGroupSize: de.mbstd_group_size === null ? null : num(de.mbstd_group_size, 'mbstd_group_size'),
    mbstdNumChannels: num(de.mbstd_num_channels, 'mbstd_num_channels'),
  };
}

/** Our config from G's and D's constructor arguments; options we cannot express are errors naming them. */
export function configFromInitKwargs(G: TorchModuleRecord, D: TorchModuleRecord | null, source: string): StyleGAN2Config {
  const problems: string[] = [];
  const g = resolve(G_DEFAULTS, initKwargs(G, Object.keys(G_DEFAULTS), 'G'), 'G', problems);
  const m = resolve(MAPPING_DEFAULTS, toKw(g.mapping_kwargs, 'G mapping_kwargs'), 'G.mapping_kwargs', problems);
  const s = resolve(SYNTHESIS_DEFAULTS, toKw(g.synthesis_kwargs, 'G synthesis_kwargs'), 'G.synthesis_kwargs', problems);
  const discriminator = discriminatorFromInitKwargs(D, g, problems);
  // Unknown names come as `G.x`; what we cannot express as a sentence.
  const unsupported = problems.map((p) => (p.includes(' ') ? p : `unknown argument ${p}`));
  const need = (ok: boolean, what: string) => { if (!ok) unsupported.push(what); };
  need(m.activation === 'lrelu' && s.activation === 'lrelu', 'activation other than lrelu');
  need(s.kernel_size === 3, `kernel_size=${String(s.kernel_size)}`);
  if (unsupported.length) throw new Error(`${source}: unsupported StyleGAN2 options: ${unsupported.join('; ')}`);
  const wDim = num(g.w_dim, 'w_dim'), cDim = num(g.c_dim, 'c_dim'), res = num(g.img_resolution, 'img_resolution');
  if (res < 4 || (res & (res - 1)) !== 0) throw new Error(`${source}: img_resolution ${res} is not a power of two >= 4`);
  const clamp = (v: unknown, what: string) => (v === null ? null : num(v, what));
  return {
    arch: 'stylegan2', zDim: num(g.z_dim, 'z_dim'), cDim, wDim, imgResolution: res, imgChannels: num(g.img_channels, 'img_channels'),
    mapping: {
      numLayers: num(m.num_layers, 'num_layers'), embedFeatures: cDim > 0 ? (m.embed_features === null ? wDim : num(m.embed_features, 'embed_features')) : 0,
      layerFeatures: m.layer_features === null ? wDim : num(m.layer_features, 'layer_features'),
      lrMultiplier: num(m.lr_multiplier, 'lr_multiplier'), wAvgBeta: m.w_avg_beta === null ? 0.995 : num(m.w_avg_beta, 'w_avg_beta'),
    },
    synthesis: {
      channelBase: num(s.channel_base, 'channel_base'), channelMax: num(s.channel_max, 'channel_max'), numFp16Res: num(s.num_fp16_res, 'num_fp16_res'),
      convClamp: clamp(s.conv_clamp, 'conv_clamp'), architecture: arch(s.architecture, 'G architecture'),
      resampleFilter: taps(s.resample_filter, 'G resample_filter'), useNoise: Boolean(s.use_noise),
    },
    discriminator,
  };
}

// ---------------------------------------------------------------------------------------------

const list = (xs: string[]) => xs.slice(0, 8).join(', ') + (xs.length > 8 ? ` (and ${xs.length - 8} more)` : '');

/** Maps one network through the table; strict both ways, shapes checked, filters verified. */
export function mapStyleGAN2Network(net: TorchModuleRecord, cfg: StyleGAN2Config, which: 'G' | 'D', label: string, source: string): TensorMap {
  const { tensors, filters } = flattenModule(net);
  const out: TensorMap = {};
  const used = new Set<string>(), missing: string[] = [], errors: string[] = [];
  for (const m of expandTable2(cfg, which)) {
    const t = tensors.get(m.official);
    if (!t) { missing.push(m.official); continue; }
    used.add(m.official);
    const want = officialShape(m);
    if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
      errors.push(`${m.official} has shape [${t.shape}], expected [${want}]`);
      continue;
    }
    try { out[m.ours] = { shape: m.shape.slice(), data: transformData(m, tensorToFloat32(t)) }; } catch (e) { errors.push(`${m.official}: ${(e as Error).message}`); }
  }
  const unknown = [...tensors.keys()].filter((k) => !used.has(k));
  const expected = setupFilter(which === 'G' ? cfg.synthesis.resampleFilter : cfg.discriminator.resampleFilter).k;
  for (const [k, t] of filters) {
    let d: Float32Array;
    try { d = tensorToFloat32(t); } catch (e) { errors.push(`${shownName(k)}: ${(e as Error).message}`); continue; }
    if (d.length !== expected.length || d.some((v, i) => Math.abs(v - expected[i]) > 1e-6)) errors.push(`${shownName(k)} is not the configured resample filter`);
  }
  const problems = [
    missing.length ? `missing tensors ${list(missing)}` : '',
    unknown.length ? `unknown tensors ${list(unknown.map(shownName))}` : '', // names from the file: quoted if odd
    errors.length ? list(errors) : '',
  ].filter(Boolean);
  if (problems.length) throw new Error(`${source}: ${label} does not match a StyleGAN2 with this config: ${problems.join('; ')}`);
  return out;
}

export interface StyleGAN2Import {
  config: StyleGAN2Config;
  G_ema: TensorMap;
  G?: TensorMap;
  D?: TensorMap;
}

/** Reads a stylegan2-ada-pytorch `.pkl` and maps G_ema (and optionally G, D) onto our parameters. */
export function importStyleGAN2(bytes: Uint8Array, source: string, opts: { withG?: boolean; withD?: boolean } = {}): StyleGAN2Import {
  const nets = readStyleGAN2Pickle(bytes, source);
  let config: StyleGAN2Config;
  try {
    config = configFromInitKwargs(nets.G_ema, nets.D, source);
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(`${source}:`) ? msg : `${source}: ${msg}`);
  }
  const result: StyleGAN2Import = { config, G_ema: mapStyleGAN2Network(nets.G_ema, config, 'G', 'G_ema', source) };
  if (opts.withG) result.G = mapStyleGAN2Network(nets.G, config, 'G', 'G', source);
  if (opts.withD) result.D = mapStyleGAN2Network(nets.D, config, 'D', 'D', source);
  return result;
}
