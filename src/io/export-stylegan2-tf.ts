/**
 * Exporter of a `stylegan2` network (G, D, G_ema) into NVIDIA's TensorFlow StyleGAN2 pickle
 * format: `(G, D, Gs)` of `dnnlib.tflib.network.Network` states, version 4 as NVlabs/stylegan2
 * writes them ({version, name, static_kwargs, components, build_module_src, build_func_name,
 * variables: [(name, float32 ndarray)]}), G_main holding `dlatent_avg` and its `mapping` and
 * `synthesis` components, D_main its own variables. This is the format stylegan2-ada-pytorch's
 * (and stylegan3's) `legacy.load_network_pkl` converts into their networks from the kwargs
 * and variable names alone; `build_module_src` is empty (no TF code is shipped), so the
 * TensorFlow code itself cannot rebuild these networks.
 */
import type { NetworkConfig } from '../networks/config.js';
import type { StyleGAN2Config } from '../networks/stylegan2/config.js';
import type { Snapshot } from './snapshot.js';
import type { RawTensor } from '../networks/params.js';
import { PyFloat32Array, PyInstance, PyTuple, pickle, pyDict, type PyValue } from './pickle-writer.js';
import { expandTfTable2, toTfData } from './stylegan2-tf-table.js';

type Kw = Record<string, PyValue | undefined>;

function fmapBase(channelBase: number, what: string, source: string): number {
  // TF's nf(res - 1) = fmap_base / 2^(res - 1) = channel_base / res; legacy.py doubles fmap_base back.
  if (channelBase % 2) throw new Error(`${source}: ${what} channelBase ${channelBase} is odd; the TF format stores half of it (fmap_base) as an integer`);
  return channelBase / 2;
}

/** G_main's static_kwargs: exactly the names legacy.py's convert_tf_generator knows. */
export function generatorKwargs(cfg: StyleGAN2Config, source: string): Kw {
  const m = cfg.mapping, s = cfg.synthesis;
  return {
    latent_size: cfg.zDim, label_size: cfg.cDim, dlatent_size: cfg.wDim, resolution: cfg.imgResolution, num_channels: cfg.imgChannels,
    mapping_layers: m.numLayers, mapping_fmaps: m.layerFeatures, mapping_lrmul: m.lrMultiplier, mapping_nonlinearity: 'lrelu',
    label_fmaps: cfg.cDim > 0 ? m.embedFeatures : undefined, w_avg_beta: m.wAvgBeta,
    fmap_base: fmapBase(s.channelBase, 'synthesis', source), fmap_max: s.channelMax, num_fp16_res: s.numFp16Res, conv_clamp: s.convClamp,
    architecture: s.architecture, resample_kernel: s.resampleFilter.slice(), use_noise: s.useNoise, nonlinearity: 'lrelu',
  };
}

/** D_main's static_kwargs: the names legacy.py's convert_tf_discriminator knows. */
export function discriminatorKwargs(cfg: StyleGAN2Config, source: string): Kw {
  const d = cfg.discriminator;
  return {
    label_size: cfg.cDim, resolution: cfg.imgResolution, num_channels: cfg.imgChannels, architecture: d.architecture,
    fmap_base: fmapBase(d.channelBase, 'discriminator', source), fmap_max: d.channelMax, num_fp16_res: d.numFp16Res, conv_clamp: d.convClamp,
    mapping_layers: d.mappingLayers, mapping_fmaps: cfg.cDim > 0 ? d.cmapDim : undefined, mapping_lrmul: d.mappingLrMultiplier,
    mbstd_group_size: d.mbstdGroupSize, mbstd_num_features: d.mbstdNumChannels, resample_kernel: d.resampleFilter.slice(), nonlinearity: 'lrelu',
  };
}

function network(name: string, func: string, kwargs: Kw, variables: Array<[string, PyValue]>, components: Map<string, PyValue>): PyInstance {
  return new PyInstance('dnnlib.tflib.network', 'Network', pyDict({
    version: 4, name, static_kwargs: pyDict(kwargs), components, build_module_src: '', build_func_name: func,
    variables: variables.map(([k, v]) => new PyTuple([k, v])),
  }));
}

/** One network's variables by TF name (component prefix kept), every tensor checked against the table. */
function tfVariables(cfg: StyleGAN2Config, which: 'G' | 'D', params: Record<string, RawTensor>, label: string, source: string): Map<string, PyFloat32Array> {
  const out = new Map<string, PyFloat32Array>();
  const used = new Set<string>(), problems: string[] = [];
  for (const m of expandTfTable2(cfg, which)) {
    const t = params[m.ours];
    if (!t) { problems.push(`missing ${m.ours}`); continue; }
    used.add(m.ours);
    if (t.shape.length !== m.shape.length || t.shape.some((d, i) => d !== m.shape[i])) { problems.push(`${m.ours} has shape [${t.shape}], expected [${m.shape}]`); continue; }
    out.set(m.tf, new PyFloat32Array(m.tfShape, toTfData(m, t.data)));
  }
  for (const k of Object.keys(params)) if (!used.has(k)) problems.push(`unknown ${k}`);
  if (problems.length) throw new Error(`${source}: ${label} does not match its config: ${problems.slice(0, 6).join('; ')}${problems.length > 6 ? ` (and ${problems.length - 6} more)` : ''}`);
  return out;
}

function generator(cfg: StyleGAN2Config, params: Record<string, RawTensor>, name: string, source: string): PyInstance {
  const vars = tfVariables(cfg, 'G', params, name, source);
  const kw = generatorKwargs(cfg, source);
  const own = (prefix: string) => [...vars].filter(([k]) => (prefix ? k.startsWith(prefix) : !k.includes('/')))
    .map(([k, v]): [string, PyValue] => [k.slice(prefix.length), v]);
  const synthesisOwn = own('synthesis/');
  // TF creates the stored noise before the layers; keep that order.
  synthesisOwn.sort((a, b) => Number(!a[0].startsWith('noise')) - Number(!b[0].startsWith('noise')));
  const numWs = 2 * Math.log2(cfg.imgResolution) - 2;
  return network(name, 'G_main', kw, own(''), pyDict({
    mapping: network('G_mapping', 'G_mapping', { ...kw, dlatent_broadcast: numWs }, own('mapping/'), new Map()),
    synthesis: network('G_synthesis', 'G_synthesis', kw, synthesisOwn, new Map()),
  }));
}

/** The whole pickle for a checkpoint that holds G, D and G_ema of a `stylegan2` network. */
export function exportStyleGAN2Tf(snapshot: Snapshot<NetworkConfig>, source: string): Uint8Array {
  const cfg = snapshot.config;
  if (cfg.arch !== 'stylegan2') throw new Error(`${source}: only 'stylegan2' networks can be written as a TensorFlow StyleGAN2 pickle, not '${cfg.arch}'`);
  const { G, D, G_ema } = snapshot.modules;
  const missing = (['G', 'D', 'G_ema'] as const).filter((k) => !snapshot.modules[k]);
  if (missing.length) throw new Error(`${source}: has no ${missing.join(', ')}; the TF pickle holds G, D and Gs (a training checkpoint has all three)`);
  const dVars = tfVariables(cfg, 'D', D!, 'D', source);
  const d = network('D', 'D_main', discriminatorKwargs(cfg, source), [...dVars], new Map());
  return pickle(new PyTuple([generator(cfg, G!, 'G', source), d, generator(cfg, G_ema!, 'Gs', source)]));
}
