/**
 * Importer for NVIDIA's TensorFlow StyleGAN2 pickles (NVlabs/stylegan2 `stylegan2-ffhq-config-f.pkl`,
 * NVlabs/stylegan2-ada TF snapshots, and the files our `convert ... out.pkl` writes): `(G, D, Gs)`
 * of `dnnlib.tflib.network.Network` states built by G_main (with G_mapping and G_synthesis
 * components) and D_main / D_stylegan2. The configuration comes from G's and D's top-level
 * static_kwargs with the defaults and the known-name check of stylegan2-ada-pytorch's
 * legacy.py (convert_tf_generator / convert_tf_discriminator), so a file reads here exactly
 * when NVIDIA's loader would build the same networks from it; tensors go through
 * ./stylegan2-tf-table.ts, every shape checked, unknown and missing names reported.
 */
import type { StyleGAN2Config } from '../networks/stylegan2/config.js';
import { shownName } from './bytes.js';
import type { NdArray } from './pickle-numpy.js';
import type { StyleganTfNetworks, TfNetwork } from './import-stylegan-tf.js';
import { toFloat32 } from './stylegan-tf-table.js';
import { expandTfTable2, fromTfData } from './stylegan2-tf-table.js';
import type { StyleGAN2Import, TensorMap } from './import-stylegan2.js';

type Kw = Record<string, unknown>;

/** legacy.py's G kwargs: TF name -> default. */
const G_KWARGS: Kw = {
  latent_size: 512, label_size: 0, dlatent_size: 512, resolution: 1024, num_channels: 3,
  mapping_layers: 8, label_fmaps: null, mapping_fmaps: null, mapping_nonlinearity: 'lrelu', mapping_lrmul: 0.01, w_avg_beta: 0.995,
  fmap_base: 16384, fmap_max: 512, num_fp16_res: 0, conv_clamp: null, architecture: 'skip', resample_kernel: [1, 3, 3, 1],
  use_noise: true, nonlinearity: 'lrelu',
  truncation_psi: null, truncation_cutoff: null, style_mixing_prob: null, structure: null, // known, unused
};
/** legacy.py's D kwargs (D_main's own defaults for the label mapping: 0 layers, lrmul 0.1). */
const D_KWARGS: Kw = {
  label_size: 0, resolution: 1024, num_channels: 3, architecture: 'resnet', fmap_base: 16384, fmap_max: 512, num_fp16_res: 0,
  conv_clamp: null, mapping_fmaps: null, nonlinearity: 'lrelu', resample_kernel: [1, 3, 3, 1], freeze_layers: 0,
  mapping_layers: 0, mapping_lrmul: 0.1, mbstd_group_size: null, mbstd_num_features: 1, structure: null,
};
const SIZES = new Set(['latent_size', 'label_size', 'dlatent_size', 'resolution', 'num_channels', 'mapping_layers', 'label_fmaps', 'mapping_fmaps',
  'fmap_base', 'fmap_max', 'num_fp16_res', 'mbstd_group_size', 'mbstd_num_features']);
/** Variables some TF StyleGAN2 versions have that no network of ours uses. */
const IGNORED = new Set(['lod', 'synthesis/lod']);

function kwargs(net: TfNetwork, defaults: Kw, what: string, source: string): Kw {
  const unknown = Object.keys(net.staticKwargs).filter((k) => !(k in defaults));
  if (unknown.length) throw new Error(`${source}: ${what} has static_kwargs NVIDIA's legacy.py does not know: ${unknown.map((k) => shownName(k)).join(', ')}`);
  const out: Kw = { ...defaults };
  for (const [k, v] of Object.entries(net.staticKwargs)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

/** Our config from G's (and D's) static_kwargs, as legacy.py resolves them. */
export function configFromTfKwargs(G: TfNetwork, D: TfNetwork, source: string): StyleGAN2Config {
  const g = kwargs(G, G_KWARGS, 'G', source), d = kwargs(D, D_KWARGS, 'D', source);
  const num = (kw: Kw, k: string, who: string): number => {
    const v = kw[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${source}: ${who} static_kwargs.${k} = ${shownName(String(v))} is not a number`);
    // Sizes and counts: whole numbers in a range no real network leaves (a corrupt file must not make us loop for ever).
    if (SIZES.has(k) && (!Number.isInteger(v) || v < 0 || v > (k.endsWith('layers') || k === 'num_fp16_res' ? 64 : 1 << 16))) {
      throw new Error(`${source}: ${who} static_kwargs.${k} = ${v} is out of range`);
    }
    return v;
  };
  const opt = (kw: Kw, k: string, who: string): number | null => (kw[k] === null ? null : num(kw, k, who));
  const arch = (kw: Kw, who: string): 'orig' | 'skip' | 'resnet' => {
    const v = kw.architecture;
    if (v !== 'orig' && v !== 'skip' && v !== 'resnet') throw new Error(`${source}: ${who} architecture ${shownName(String(v))} is not orig / skip / resnet`);
    return v;
  };
  const taps = (kw: Kw, who: string): number[] => {
    const v = kw.resample_kernel;
    if (!Array.isArray(v) || !v.length || v.length >= 8 || v.some((t) => typeof t !== 'number')) throw new Error(`${source}: ${who} resample_kernel must be a 1-D filter of < 8 taps`);
    return v.map(Number);
  };
  const bad: string[] = [];
  if (g.mapping_nonlinearity !== 'lrelu' || g.nonlinearity !== 'lrelu' || d.nonlinearity !== 'lrelu') bad.push('nonlinearity other than lrelu');
  if (g.label_size !== d.label_size || g.resolution !== d.resolution || g.num_channels !== d.num_channels) bad.push('D label_size / resolution / num_channels differ from G');
  if (bad.length) throw new Error(`${source}: unsupported StyleGAN2 options: ${bad.join('; ')}`);
  const cDim = num(g, 'label_size', 'G'), wDim = num(g, 'dlatent_size', 'G'), res = num(g, 'resolution', 'G');
  if (res < 4 || (res & (res - 1)) !== 0) throw new Error(`${source}: resolution ${res} is not a power of two >= 4`);
  const dBase = 2 * num(d, 'fmap_base', 'D'), dMax = num(d, 'fmap_max', 'D');
  const cmap = d.mapping_fmaps === null ? Math.min(Math.floor(dBase / 4), dMax) : num(d, 'mapping_fmaps', 'D');
  return {
    arch: 'stylegan2', zDim: num(g, 'latent_size', 'G'), cDim, wDim, imgResolution: res, imgChannels: num(g, 'num_channels', 'G'),
    mapping: {
      numLayers: num(g, 'mapping_layers', 'G'), embedFeatures: cDim > 0 ? (g.label_fmaps === null ? wDim : num(g, 'label_fmaps', 'G')) : 0,
      layerFeatures: g.mapping_fmaps === null ? wDim : num(g, 'mapping_fmaps', 'G'), lrMultiplier: num(g, 'mapping_lrmul', 'G'),
      wAvgBeta: num(g, 'w_avg_beta', 'G'),
    },
    synthesis: {
      channelBase: 2 * num(g, 'fmap_base', 'G'), channelMax: num(g, 'fmap_max', 'G'), numFp16Res: num(g, 'num_fp16_res', 'G'),
      convClamp: opt(g, 'conv_clamp', 'G'), architecture: arch(g, 'G'), resampleFilter: taps(g, 'G'), useNoise: Boolean(g.use_noise),
    },
    discriminator: {
      channelBase: dBase, channelMax: dMax, numFp16Res: num(d, 'num_fp16_res', 'D'), convClamp: opt(d, 'conv_clamp', 'D'),
      architecture: arch(d, 'D'), resampleFilter: taps(d, 'D'), cmapDim: cDim > 0 ? cmap : 0,
      mappingLayers: num(d, 'mapping_layers', 'D'), mappingLrMultiplier: num(d, 'mapping_lrmul', 'D'),
      mbstdGroupSize: opt(d, 'mbstd_group_size', 'D'), mbstdNumChannels: num(d, 'mbstd_num_features', 'D'),
    },
  };
}

/** All variables of a network and its components, named as legacy.py collects them (`mapping/Dense0/weight`). */
function collect(net: TfNetwork, prefix = '', out = new Map<string, NdArray>()): Map<string, NdArray> {
  for (const [k, v] of net.variables) out.set(prefix + k, v);
  for (const [k, c] of Object.entries(net.components)) collect(c, `${prefix}${k}/`, out);
  return out;
}

const list = (xs: string[]) => xs.slice(0, 8).join(', ') + (xs.length > 8 ? ` (and ${xs.length - 8} more)` : '');

/** One TF network onto our parameters; strict both ways. */
export function mapStyleGAN2TfNetwork(net: TfNetwork, cfg: StyleGAN2Config, which: 'G' | 'D', label: string, source: string): TensorMap {
  const vars = collect(net);
  const out: TensorMap = {};
  const used = new Set<string>(), missing: string[] = [], errors: string[] = [];
  for (const m of expandTfTable2(cfg, which)) {
    const a = vars.get(m.tf);
    if (!a) { missing.push(m.tf); continue; }
    used.add(m.tf);
    if (a.shape.length !== m.tfShape.length || a.shape.some((d, i) => d !== m.tfShape[i])) { errors.push(`${m.tf} has shape [${a.shape}], expected [${m.tfShape}]`); continue; }
    try { out[m.ours] = { shape: m.shape.slice(), data: fromTfData(m, toFloat32(a)) }; } catch (e) { errors.push(`${m.tf}: ${(e as Error).message}`); }
  }
  const unknown = [...vars.keys()].filter((k) => !used.has(k) && !IGNORED.has(k)).map((k) => shownName(k));
  const problems = [
    missing.length ? `missing TF variables ${list(missing)}` : '',
    unknown.length ? `unknown TF variables ${list(unknown)}` : '',
    errors.length ? list(errors) : '',
  ].filter(Boolean);
  if (problems.length) throw new Error(`${source}: ${label} does not match a StyleGAN2 with this config: ${problems.join('; ')}`);
  return out;
}

/** Whether parsed TF networks are StyleGAN2 ones (G_main) rather than the 2019 G_style. */
export function isStyleGAN2Tf(nets: StyleganTfNetworks): boolean {
  return nets.Gs.buildFuncName === 'G_main';
}

/** Maps Gs (and optionally G, D) of a TF StyleGAN2 pickle onto our parameters. */
export function importStyleGAN2Tf(nets: StyleganTfNetworks, source: string, opts: { withG?: boolean; withD?: boolean } = {}): StyleGAN2Import {
  for (const [k, n] of Object.entries(nets) as Array<[string, TfNetwork]>) {
    const want = k === 'D' ? ['D_main', 'D_stylegan2'] : ['G_main'];
    if (!want.includes(n.buildFuncName)) throw new Error(`${source}: ${k} was built by ${shownName(n.buildFuncName)}, expected ${want.join(' or ')}`);
  }
  const config = configFromTfKwargs(nets.Gs, nets.D, source);
  const result: StyleGAN2Import = { config, G_ema: mapStyleGAN2TfNetwork(nets.Gs, config, 'G', 'Gs', source) };
  if (opts.withG) result.G = mapStyleGAN2TfNetwork(nets.G, config, 'G', 'G', source);
  if (opts.withD) result.D = mapStyleGAN2TfNetwork(nets.D, config, 'D', 'D', source);
  return result;
}
