/**
 * Importer for NVIDIA's StyleGAN3 network pickles (NVlabs/stylegan3: `stylegan3-t-ffhq-1024x1024.pkl`,
 * `stylegan3-r-afhqv2-512x512.pkl`, training snapshots): the same `dict(G, D, G_ema, ...)` of
 * `torch_utils.persistence` records as stylegan2-ada-pytorch, with G from
 * training.networks_stylegan3 and D from training.networks_stylegan2. Nothing in the pickle
 * runs. The config comes from G's `_init_kwargs` over NVIDIA's defaults (unknown names are
 * errors); every tensor goes through ./stylegan3-table.ts with its shape checked. The filters
 * and magnitude EMAs are taken from the buffers as stored.
 */
import type { TorchModuleRecord } from './torch.js';
import { tensorToFloat32 } from './torch.js';
import { type StyleGAN3Config, discriminatorConfig } from '../networks/stylegan3/config.js';
import {
  type Kw, type TensorMap, discriminatorFromInitKwargs, flattenModule, initKwargs, mapStyleGAN2Network, num, readStyleGAN2Pickle, resolve, toKw,
} from './import-stylegan2.js';
import { type Mapping2, officialShape, transformData } from './stylegan2-table.js';
import { expandTable3 } from './stylegan3-table.js';
import { shownName } from './bytes.js';

export { discriminatorConfig };

/** Generator(z_dim, c_dim, w_dim, img_resolution, img_channels, mapping_kwargs, **synthesis_kwargs): every name NVIDIA accepts. */
const G_DEFAULTS: Kw = {
  z_dim: undefined, c_dim: undefined, w_dim: undefined, img_resolution: undefined, img_channels: undefined, mapping_kwargs: null,
  // SynthesisNetwork
  channel_base: 32768, channel_max: 512, num_layers: 14, num_critical: 2, first_cutoff: 2, first_stopband: 2 ** 2.1,
  last_stopband_rel: 2 ** 0.3, margin_size: 10, output_scale: 0.25, num_fp16_res: 4,
  // SynthesisLayer
  conv_kernel: 3, filter_size: 6, lrelu_upsampling: 2, use_radial_filters: false, conv_clamp: 256, magnitude_ema_beta: 0.999,
};
const G_POSITIONAL = ['z_dim', 'c_dim', 'w_dim', 'img_resolution', 'img_channels', 'mapping_kwargs'];
const MAPPING_DEFAULTS: Kw = { num_layers: 2, lr_multiplier: 0.01, w_avg_beta: 0.998 };

/** Our config from G's (and D's) constructor arguments. */
export function config3FromInitKwargs(G: TorchModuleRecord, D: TorchModuleRecord | null, source: string): StyleGAN3Config {
  const problems: string[] = [];
  const g = resolve(G_DEFAULTS, initKwargs(G, G_POSITIONAL, 'G'), 'G', problems);
  const m = resolve(MAPPING_DEFAULTS, toKw(g.mapping_kwargs, 'G mapping_kwargs'), 'G.mapping_kwargs', problems);
  const discriminator = discriminatorFromInitKwargs(D, g, problems);
  if (problems.length) throw new Error(`${source}: unsupported StyleGAN3 options: ${problems.map((p) => (p.includes(' ') ? p : `unknown argument ${p}`)).join('; ')}`);
  const res = num(g.img_resolution, 'img_resolution');
  if (res < 4 || (res & (res - 1)) !== 0) throw new Error(`${source}: img_resolution ${res} is not a power of two >= 4`);
  const n = (k: string) => num(g[k], k);
  return {
    arch: 'stylegan3', zDim: n('z_dim'), cDim: n('c_dim'), wDim: n('w_dim'), imgResolution: res, imgChannels: n('img_channels'),
    mapping: { numLayers: num(m.num_layers, 'num_layers'), lrMultiplier: num(m.lr_multiplier, 'lr_multiplier'), wAvgBeta: num(m.w_avg_beta, 'w_avg_beta') },
    synthesis: {
      channelBase: n('channel_base'), channelMax: n('channel_max'), numLayers: n('num_layers'), numCritical: n('num_critical'),
      firstCutoff: n('first_cutoff'), firstStopband: n('first_stopband'), lastStopbandRel: n('last_stopband_rel'), marginSize: n('margin_size'),
      outputScale: n('output_scale'), numFp16Res: n('num_fp16_res'), convKernel: n('conv_kernel'), filterSize: n('filter_size'),
      lreluUpsampling: n('lrelu_upsampling'), useRadialFilters: Boolean(g.use_radial_filters),
      convClamp: g.conv_clamp === null ? null : n('conv_clamp'), magnitudeEmaBeta: n('magnitude_ema_beta'),
    },
    discriminator,
  };
}

const list = (xs: string[]) => xs.slice(0, 8).join(', ') + (xs.length > 8 ? ` (and ${xs.length - 8} more)` : '');

/**
 * Maps a generator record through a weight table: strict both ways (missing and unknown tensors
 * named), shapes checked. `what` names the network in the error ("a StyleGAN3").
 */
export function mapThroughTable(net: TorchModuleRecord, table: Mapping2[], what: string, label: string, source: string): TensorMap {
  const { tensors } = flattenModule(net);
  const out: TensorMap = {};
  const used = new Set<string>(), missing: string[] = [], errors: string[] = [];
  for (const m of table) {
    const t = tensors.get(m.official);
    if (!t) { missing.push(m.official); continue; }
    used.add(m.official);
    const want = officialShape(m);
    if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) { errors.push(`${m.official} has shape [${t.shape}], expected [${want}]`); continue; }
    try { out[m.ours] = { shape: m.shape.slice(), data: transformData(m, tensorToFloat32(t)) }; } catch (e) { errors.push(`${m.official}: ${(e as Error).message}`); }
  }
  const unknown = [...tensors.keys()].filter((k) => !used.has(k));
  const problems = [
    missing.length ? `missing tensors ${list(missing)}` : '',
    unknown.length ? `unknown tensors ${list(unknown.map(shownName))}` : '',
    errors.length ? list(errors) : '',
  ].filter(Boolean);
  if (problems.length) throw new Error(`${source}: ${label} does not match ${what} with this config: ${problems.join('; ')}`);
  return out;
}

/** Maps a StyleGAN3 generator record through the table. */
export function mapStyleGAN3Generator(net: TorchModuleRecord, cfg: StyleGAN3Config, label: string, source: string): TensorMap {
  return mapThroughTable(net, expandTable3(cfg), 'a StyleGAN3', label, source);
}

export interface StyleGAN3Import {
  config: StyleGAN3Config;
  G_ema: TensorMap;
  G?: TensorMap;
  D?: TensorMap;
}

/** Reads a NVlabs/stylegan3 `.pkl` and maps G_ema (and optionally G, D) onto our parameters. */
export function importStyleGAN3(bytes: Uint8Array, source: string, opts: { withG?: boolean; withD?: boolean } = {}): StyleGAN3Import {
  const nets = readStyleGAN2Pickle(bytes, source);
  let config: StyleGAN3Config;
  try {
    config = config3FromInitKwargs(nets.G_ema, nets.D, source);
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(`${source}:`) ? msg : `${source}: ${msg}`);
  }
  const result: StyleGAN3Import = { config, G_ema: mapStyleGAN3Generator(nets.G_ema, config, 'G_ema', source) };
  if (opts.withG) result.G = mapStyleGAN3Generator(nets.G, config, 'G', source);
  if (opts.withD) result.D = mapStyleGAN2Network(nets.D, discriminatorConfig(config), 'D', 'D', source);
  return result;
}
