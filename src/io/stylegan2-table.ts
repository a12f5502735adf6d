/**
 * The name table between NVIDIA's stylegan2-ada-pytorch module tensors (state_dict names such
 * as `synthesis.b8.conv0.affine.weight`) and our `stylegan2` parameters. Our names are NVIDIA's
 * module paths with camelCased leaves; what differs is the layout:
 *
 * - FullyConnectedLayer weight [out, in] -> ours [in, out] (x @ w);
 * - conv weights OIHW -> HWIO; the const [C, H, W] -> [H, W, C];
 * - D's epilogue fc flattens an NCHW [C, 4, 4] activation, so its input rows are permuted to
 *   our NHWC flatten order (h, w, c).
 *
 * One declarative table of rows per layer kind, expanded over the layers our config implies.
 */
import type { StyleGAN2Config } from '../networks/stylegan2/config.js';
import { channelsAt } from '../networks/stylegan2/layers.js';

export type Transform = 'copy' | 'fc' | 'oihw' | 'chw' | 'fcNchwRows';
type Kind = 'fc' | 'fcNchw' | 'conv' | 'styled' | 'const' | 'wAvg';

/** One layer of ours: its module path and sizes. */
export interface LayerSpec { kind: Kind; net: 'G' | 'D'; p: string; cin: number; cout: number; k: number; R: number; bias: boolean; noise: boolean }

interface Row {
  kind: Kind;
  ours: string;
  official: string;
  transform: Transform;
  /** Our shape. */
  shape: (l: LayerSpec) => number[];
  when?: (l: LayerSpec) => boolean;
}

export const STYLEGAN2_TABLE: readonly Row[] = [
  { kind: 'fc', ours: '{p}.weight', official: '{p}.weight', transform: 'fc', shape: (l) => [l.cin, l.cout] },
  { kind: 'fc', ours: '{p}.bias', official: '{p}.bias', transform: 'copy', shape: (l) => [l.cout], when: (l) => l.bias },
  { kind: 'fcNchw', ours: '{p}.weight', official: '{p}.weight', transform: 'fcNchwRows', shape: (l) => [l.cin, l.cout] },
  { kind: 'fcNchw', ours: '{p}.bias', official: '{p}.bias', transform: 'copy', shape: (l) => [l.cout] },
  { kind: 'conv', ours: '{p}.weight', official: '{p}.weight', transform: 'oihw', shape: (l) => [l.k, l.k, l.cin, l.cout] },
  { kind: 'conv', ours: '{p}.bias', official: '{p}.bias', transform: 'copy', shape: (l) => [l.cout], when: (l) => l.bias },
  { kind: 'styled', ours: '{p}.weight', official: '{p}.weight', transform: 'oihw', shape: (l) => [l.k, l.k, l.cin, l.cout] },
  { kind: 'styled', ours: '{p}.bias', official: '{p}.bias', transform: 'copy', shape: (l) => [l.cout] },
  { kind: 'styled', ours: '{p}.noiseStrength', official: '{p}.noise_strength', transform: 'copy', shape: () => [], when: (l) => l.noise },
  { kind: 'styled', ours: '{p}.noiseConst', official: '{p}.noise_const', transform: 'copy', shape: (l) => [l.R, l.R], when: (l) => l.noise },
  { kind: 'const', ours: '{p}.const', official: '{p}.const', transform: 'chw', shape: (l) => [l.R, l.R, l.cout] },
  { kind: 'wAvg', ours: '{p}.wAvg', official: '{p}.w_avg', transform: 'copy', shape: (l) => [l.cout] },
];

const base = { cin: 0, cout: 0, k: 0, R: 0, bias: true, noise: false };

function mappingLayers(net: 'G' | 'D', p: string, zDim: number, cDim: number, wDim: number, n: number, embed: number, hidden: number): LayerSpec[] {
  const out: LayerSpec[] = [];
  const e = cDim > 0 ? embed : 0;
  if (cDim > 0) out.push({ ...base, kind: 'fc', net, p: `${p}.embed`, cin: cDim, cout: e });
  const feats = [zDim + e, ...new Array<number>(n - 1).fill(hidden), wDim];
  for (let i = 0; i < n; i++) out.push({ ...base, kind: 'fc', net, p: `${p}.fc${i}`, cin: feats[i], cout: feats[i + 1] });
  return out;
}

/** Every layer of our G (mapping + synthesis) or D for `cfg`, in NVIDIA's module order. */
export function layerSpecs(cfg: StyleGAN2Config, which: 'G' | 'D'): LayerSpec[] {
  const out: LayerSpec[] = [];
  if (which === 'G') {
    const s = cfg.synthesis, ch = (r: number) => channelsAt(s.channelBase, s.channelMax, r);
    for (let R = 4; R <= cfg.imgResolution; R *= 2) {
      const b = `synthesis.b${R}`, c = ch(R), cin = R > 4 ? ch(R / 2) : 0;
      const styled = (name: string, i: number): LayerSpec[] => [
        { ...base, kind: 'fc', net: 'G', p: `${b}.${name}.affine`, cin: cfg.wDim, cout: i },
      ];
      if (R === 4) out.push({ ...base, kind: 'const', net: 'G', p: b, R, cout: c });
      else {
        out.push({ ...base, kind: 'styled', net: 'G', p: `${b}.conv0`, cin, cout: c, k: 3, R, noise: s.useNoise }, ...styled('conv0', cin));
      }
      out.push({ ...base, kind: 'styled', net: 'G', p: `${b}.conv1`, cin: c, cout: c, k: 3, R, noise: s.useNoise }, ...styled('conv1', c));
      if (R === cfg.imgResolution || s.architecture === 'skip') {
        out.push({ ...base, kind: 'conv', net: 'G', p: `${b}.torgb`, cin: c, cout: cfg.imgChannels, k: 1 }, ...styled('torgb', c));
      }
      if (R > 4 && s.architecture === 'resnet') out.push({ ...base, kind: 'conv', net: 'G', p: `${b}.skip`, cin, cout: c, k: 1, bias: false });
    }
    const m = cfg.mapping;
    out.push(...mappingLayers('G', 'mapping', cfg.zDim, cfg.cDim, cfg.wDim, m.numLayers, m.embedFeatures, m.layerFeatures));
    out.push({ ...base, kind: 'wAvg', net: 'G', p: 'mapping', cout: cfg.wDim });
    return out;
  }
  const d = cfg.discriminator, ch = (r: number) => channelsAt(d.channelBase, d.channelMax, r);
  for (let R = cfg.imgResolution; R > 4; R /= 2) {
    const b = `b${R}`, tmp = ch(R), o = ch(R / 2);
    if (R === cfg.imgResolution || d.architecture === 'skip') out.push({ ...base, kind: 'conv', net: 'D', p: `${b}.fromrgb`, cin: cfg.imgChannels, cout: tmp, k: 1 });
    out.push({ ...base, kind: 'conv', net: 'D', p: `${b}.conv0`, cin: tmp, cout: tmp, k: 3 });
    out.push({ ...base, kind: 'conv', net: 'D', p: `${b}.conv1`, cin: tmp, cout: o, k: 3 });
    if (d.architecture === 'resnet') out.push({ ...base, kind: 'conv', net: 'D', p: `${b}.skip`, cin: tmp, cout: o, k: 1, bias: false });
  }
  const cmap = cfg.cDim > 0 ? d.cmapDim : 0;
  if (cfg.cDim > 0) out.push(...mappingLayers('D', 'mapping', 0, cfg.cDim, cmap, d.mappingLayers, cmap, cmap));
  const c4 = ch(4);
  if (d.architecture === 'skip') out.push({ ...base, kind: 'conv', net: 'D', p: 'b4.fromrgb', cin: cfg.imgChannels, cout: c4, k: 1 });
  out.push({ ...base, kind: 'conv', net: 'D', p: 'b4.conv', cin: c4 + d.mbstdNumChannels, cout: c4, k: 3 });
  out.push({ ...base, kind: 'fcNchw', net: 'D', p: 'b4.fc', cin: c4 * 16, cout: c4 });
  out.push({ ...base, kind: 'fc', net: 'D', p: 'b4.out', cin: c4, cout: cmap === 0 ? 1 : cmap });
  return out;
}

/** A row expanded for one layer. */
export interface Mapping2 { ours: string; official: string; transform: Transform; shape: number[] }

/** The table expanded for `cfg`: every parameter and buffer of our G or D. */
export function expandTable2(cfg: StyleGAN2Config, which: 'G' | 'D'): Mapping2[] {
  const out: Mapping2[] = [];
  for (const l of layerSpecs(cfg, which)) {
    for (const row of STYLEGAN2_TABLE) {
      if (row.kind !== l.kind || (row.when && !row.when(l))) continue;
      out.push({ ours: row.ours.replace('{p}', l.p), official: row.official.replace('{p}', l.p), transform: row.transform, shape: row.shape(l) });
    }
  }
  return out;
}

/** NVIDIA's shape for our shape under a transform. */
export function officialShape(m: Mapping2): number[] {
  const s = m.shape;
  switch (m.transform) {
    case 'copy': return s.slice();
    case 'fc': case 'fcNchwRows': return [s[1], s[0]];
    case 'oihw': return [s[3], s[2], s[0], s[1]];
    case 'chw': return [s[2], s[0], s[1]];
  }
}

/** Applies a row's transform to NVIDIA's data (already checked to have {@link officialShape}). */
export function transformData(m: Mapping2, d: Float32Array): Float32Array {
  const s = m.shape, out = new Float32Array(d.length);
  switch (m.transform) {
    case 'copy': return d;
    case 'fc': { // [out, in] -> [in, out]
      const [cin, cout] = s;
      for (let o = 0; o < cout; o++) for (let i = 0; i < cin; i++) out[i * cout + o] = d[o * cin + i];
      return out;
    }
    case 'fcNchwRows': { // [out, (c, h, w)] -> [(h, w, c), out]
      const [rows, cout] = s, c = rows / 16;
      for (let o = 0; o < cout; o++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < 16; p++) {
        out[(p * c + ch) * cout + o] = d[o * rows + ch * 16 + p];
      }
      return out;
    }
    case 'oihw': { // [O, I, kh, kw] -> [kh, kw, I, O]
      const [kh, kw, ci, co] = s;
      for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
        out[((y * kw + x) * ci + i) * co + o] = d[((o * ci + i) * kh + y) * kw + x];
      }
      return out;
    }
    case 'chw': { // [C, H, W] -> [H, W, C]
      const [h, w, c] = s;
      for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(y * w + x) * c + ch] = d[(ch * h + y) * w + x];
      return out;
    }
  }
}
