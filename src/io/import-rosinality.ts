/**
 * rosinality/stylegan2-pytorch checkpoints (`.pt`, torch.save of a dict with `g_ema`,
 * `latent_avg` and, from training, `g`, `d`, `g_optim`, `d_optim`, `args`) into our
 * `stylegan2` networks. The config is read off the tensors (style_dim, n_mlp, size, the
 * channel table, the blur kernel); every tensor goes through the declarative table in
 * rosinality-table.ts with its shape checked, and unknown or missing keys are named.
 */
import type { StyleGAN2Config } from '../networks/stylegan2/config.js';
import type { RawTensor } from '../networks/params.js';
import { defaultStyleGAN2Config } from '../networks/stylegan2/config.js';
import { channelsAt } from '../networks/stylegan2/layers.js';
import { isMap } from './pickle.js';
import { TorchTensor, tensorToFloat32 } from './torch.js';
import { loadTorchSave } from '../metrics/torch-state-dict.js';
import { expandRosinalityTable } from './rosinality-table.js';
import { transformData } from './stylegan2-table.js';
import { shownName } from './bytes.js';

type Tensors = Map<string, RawTensor>;

export interface RosinalityImport {
  config: StyleGAN2Config;
  G_ema: Record<string, RawTensor>;
  G?: Record<string, RawTensor>;
  D?: Record<string, RawTensor>;
  /** What was in the file but left out (e.g. latent_avg), one line each. */
  skipped: string[];
}

/** rosinality's train.py saves its argparse options: accepted as an opaque object. */
const NAMESPACE = { 'argparse.Namespace': { newobj: () => new Map(), call: () => new Map(), build() {} } };

function stateDict(v: unknown, what: string, file: string): Tensors {
  if (!isMap(v)) throw new Error(`${file}: ${what} is not a state dict`);
  const out: Tensors = new Map();
  for (const [k, t] of v) {
    if (typeof k !== 'string' || !(t instanceof TorchTensor)) continue;
    out.set(k, { shape: [...t.shape], data: tensorToFloat32(t) });
  }
  return out;
}

function need(t: Tensors, key: string, file: string, what = 'g_ema'): RawTensor {
  const v = t.get(key);
  if (!v) throw new Error(`${file}: ${what} has no ${key}; not a rosinality/stylegan2-pytorch ${what === 'd' ? 'Discriminator' : 'Generator'}`);
  return v;
}

/** The 1-D FIR of a 2-D kernel outer(f, f) / sum^2 * gain (Blur/Upsample buffers); throws if not separable. */
function separableFilter(k: RawTensor, key: string, file: string): number[] {
  const [h, w] = k.shape;
  if (k.shape.length !== 2 || h !== w) throw new Error(`${file}: ${key} is [${k.shape}], expected a square 2-D kernel`);
  const rows = Array.from({ length: h }, (_, y) => k.data.slice(y * w, (y + 1) * w).reduce((a, b) => a + b, 0));
  const total = rows.reduce((a, b) => a + b, 0);
  const f = rows.map((r) => r / total);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    if (Math.abs(k.data[y * w + x] / total - f[y] * f[x]) > 1e-6) throw new Error(`${file}: ${key} is not a separable blur kernel`);
  }
  return f;
}

/** base, max with min(base / res, max) = the channel table (rosinality's fixed table is one: 16384 x channel_multiplier, 512). */
function channelFormula(ch: Map<number, number>, size: number, what: string, file: string): { channelBase: number; channelMax: number } {
  const channelMax = Math.max(...ch.values());
  // The base: from the highest resolution whose channels are below the cap, else any base that caps all.
  const below = [...ch].filter(([, c]) => c < channelMax).map(([r, c]) => r * c);
  const channelBase = below.length ? Math.max(...below) : channelMax * size;
  for (const [r, c] of ch) {
    if (channelsAt(channelBase, channelMax, r) !== c) {
      throw new Error(`${file}: ${what}'s channel table ${[...ch].map(([res, n]) => `${res}: ${n}`).join(', ')} is not min(base / res, max) for any base, max`);
    }
  }
  return { channelBase, channelMax };
}

/** Our D config for rosinality's Discriminator on top of G's: its own channel table, no clamp, mbstd 4 x 1, resnet. */
function withDiscriminator(cfg: StyleGAN2Config, d: Tensors, file: string): StyleGAN2Config {
  const size = cfg.imgResolution;
  const ch = new Map<number, number>([[size, need(d, 'convs.0.0.weight', file, 'd').shape[0]]]);
  for (let k = 1; size >> k >= 4; k++) ch.set(size >> k, need(d, `convs.${k}.conv2.1.weight`, file, 'd').shape[0]);
  const { channelBase, channelMax } = channelFormula(ch, size, 'd', file);
  return {
    ...cfg,
    discriminator: {
      ...cfg.discriminator, channelBase, channelMax, convClamp: null, architecture: 'resnet', resampleFilter: cfg.synthesis.resampleFilter,
      mbstdGroupSize: 4, mbstdNumChannels: 1,
    },
  };
}

/** The StyleGAN2 config a rosinality Generator state dict implies (channels as min(base / res, max)). */
export function rosinalityConfig(g: Tensors, file: string): StyleGAN2Config {
  const first = need(g, 'style.1.weight', file);
  const styleDim = first.shape[1];
  let nMlp = 0;
  while (g.has(`style.${nMlp + 1}.weight`)) nMlp++;
  let numRgbs = 0;
  while (g.has(`to_rgbs.${numRgbs}.conv.weight`)) numRgbs++;
  const size = 2 ** (numRgbs + 2);
  const ch = new Map<number, number>([[4, need(g, 'input.input', file).shape[1]]]);
  for (let i = 0; i < numRgbs; i++) ch.set(2 ** (i + 3), need(g, `convs.${2 * i}.conv.weight`, file).shape[1]);
  const { channelBase, channelMax } = channelFormula(ch, size, 'g_ema', file);
  const blurKey = numRgbs > 0 ? 'convs.0.conv.blur.kernel' : undefined;
  const filter = blurKey && g.has(blurKey) ? separableFilter(g.get(blurKey)!, blurKey, file) : [1, 3, 3, 1];
  // Filters are stored normalized; ours are normalized again by setupFilter, so their scale does not matter.
  const resampleFilter = filter.map((v) => v / filter[0]);
  return defaultStyleGAN2Config({
    zDim: styleDim, wDim: styleDim, imgResolution: size,
    // lr_mlp is not stored: rosinality's default (and the only value its train.py uses) is 0.01.
    mapping: { numLayers: nMlp, layerFeatures: styleDim, lrMultiplier: 0.01 },
    synthesis: { channelBase, channelMax, convClamp: null, architecture: 'skip', resampleFilter, useNoise: true },
    discriminator: { channelBase, channelMax },
  });
}

/** A state dict through the table: every tensor of ours found and shape-checked, none of theirs left over. */
function mapNetwork(cfg: StyleGAN2Config, which: 'G' | 'D', g: Tensors, latentAvg: RawTensor | null, what: string, file: string): Record<string, RawTensor> {
  const out: Record<string, RawTensor> = {};
  const used = new Set<string>();
  const missing: string[] = [];
  for (const m of expandRosinalityTable(cfg, which)) {
    const t = m.theirs === 'latent_avg' ? latentAvg : g.get(m.theirs);
    if (!t) { missing.push(m.theirs); continue; }
    used.add(m.theirs);
    const ok = m.theirs === 'latent_avg' ? t.data.length === m.shape[0] : t.shape.join() === m.theirShape.join();
    if (!ok) throw new Error(`${file}: ${what}.${m.theirs} is [${t.shape}], expected [${m.theirShape}] (for our ${m.ours})`);
    out[m.ours] = { shape: m.shape, data: transformData({ ...m, official: m.theirs }, t.data) };
  }
  if (missing.length) throw new Error(`${file}: ${what} lacks ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  // Blur / upsample kernels (Blur, Upsample buffers) are fixed: each must be the filter the config uses.
  for (const k of g.keys()) {
    if (k.endsWith('.kernel') && !used.has(k)) {
      const f = separableFilter(g.get(k)!, `${what}.${k}`, file), want = cfg.synthesis.resampleFilter, s = want.reduce((a, b) => a + b, 0);
      if (f.some((v, i) => Math.abs(v - want[i] / s) > 1e-6)) throw new Error(`${file}: ${what}.${k} differs from the generator's blur kernel`);
      used.add(k);
    }
  }
  const unknown = [...g.keys()].filter((k) => !used.has(k));
  if (unknown.length) throw new Error(`${file}: ${what} has tensors this importer does not know: ${unknown.slice(0, 5).map((k) => shownName(k)).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`);
  return out;
}

export function importRosinality(bytes: Uint8Array, file: string, opts: { withG?: boolean; withD?: boolean } = {}): RosinalityImport {
  return importRosinalityObject(loadRosinalityFile(bytes, file), file, opts);
}

/** The saved object of a .pt file (dicts as Maps, tensors as TorchTensors). */
export function loadRosinalityFile(bytes: Uint8Array, file: string): unknown {
  return loadTorchSave(bytes, file, NAMESPACE);
}

/** importRosinality on an already unpickled checkpoint. */
export function importRosinalityObject(root: unknown, file: string, opts: { withG?: boolean; withD?: boolean } = {}): RosinalityImport {
  if (!isMap(root) || !root.has('g_ema')) throw new Error(`${file}: not a rosinality/stylegan2-pytorch checkpoint (no 'g_ema' in the saved dict)`);
  const gEma = stateDict(root.get('g_ema'), 'g_ema', file);
  const config = rosinalityConfig(gEma, file);
  const skipped: string[] = [];
  const avg = root.get('latent_avg');
  let latentAvg: RawTensor;
  if (avg instanceof TorchTensor) latentAvg = { shape: [...avg.shape], data: tensorToFloat32(avg) };
  else {
    // train.py's checkpoints have none; zeros make truncation pull towards w = 0.
    latentAvg = { shape: [config.wDim], data: new Float32Array(config.wDim) };
    skipped.push("latent_avg (none in the file: w_avg is zero, so --trunc pulls towards w = 0)");
  }
  const G_ema = mapNetwork(config, 'G', gEma, latentAvg, 'g_ema', file);
  const G = opts.withG && root.has('g') ? mapNetwork(config, 'G', stateDict(root.get('g'), 'g', file), latentAvg, 'g', file) : undefined;
  const d = opts.withD && root.has('d') ? stateDict(root.get('d'), 'd', file) : undefined;
  if (!d) return { config, G_ema, ...(G && { G }), skipped };
  const full = withDiscriminator(config, d, file);
  return { config: full, G_ema, ...(G && { G }), D: mapNetwork(full, 'D', d, null, 'd', file), skipped };
}
