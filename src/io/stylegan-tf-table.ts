/**
 * The name table between NVIDIA's original StyleGAN TensorFlow variables
 * (training/networks_stylegan.py: G_mapping, G_style, G_synthesis, D_basic) and our `stylegan`
 * parameters (src/networks). One declarative table: each row names our parameter, the TF
 * variable, the sub-network that holds it, the layout transform, and our expected shape,
 * expanded over layers / resolutions from our config.
 *
 * TF layouts: dense [in, out] and conv [k, k, in, out] are ours already (NCHW vs NHWC
 * activations do not change HWIO kernels); the const and stored noise are NCHW -> NHWC;
 * D's Dense0 flattens an NCHW [C, 4, 4] activation, so its rows are permuted to our NHWC
 * flatten order (h, w, c).
 */
import { type StyleGANConfig, blockResolutions, channelsAt, log2Int } from '../networks/stylegan/config.js';
import type { NdArray } from './pickle-numpy.js';

export interface RawTensor { shape: number[]; data: Float32Array }
export type TensorMap = Record<string, RawTensor>;

/** Which TF network holds the variable: G_style itself, its two components, or D_basic. */
export type TfNet = 'G' | 'mapping' | 'synthesis' | 'D';
export type Transform = 'copy' | 'nchwToNhwc' | 'denseRowsNchwToNhwc';

/** Loop variables a row template may use as {name}. */
interface Vars {
  i: number; R: number; L: number; I: number; layer: string; scope: string;
  cin: number; cout: number; C: number; hasWeight: boolean;
}
type Each = 'once' | 'fc' | 'styledLayer' | 'res' | 'dBlock';

interface Row {
  net: TfNet;
  each: Each;
  ours: string;
  tf: string;
  transform?: Transform;
  shape: (v: Vars, cfg: StyleGANConfig) => number[];
  when?: (v: Vars, cfg: StyleGANConfig) => boolean;
}

const K = 3; // conv kernel size of every 3x3 layer

/** The table. G rows produce G / G_ema parameters, D rows D parameters. */
export const STYLEGAN_TF_TABLE: readonly Row[] = [
  // Mapping network (G_mapping) and the tracked average w (G_style's dlatent_avg).
  { net: 'mapping', each: 'fc', ours: 'mapping.fc{i}.weight', tf: 'Dense{i}/weight', shape: (v) => [v.cin, v.cout] },
  { net: 'mapping', each: 'fc', ours: 'mapping.fc{i}.bias', tf: 'Dense{i}/bias', shape: (v) => [v.cout] },
  { net: 'G', each: 'once', ours: 'w_avg', tf: 'dlatent_avg', shape: (_, c) => [c.wDim] },
  // Synthesis (G_synthesis): the const, then per styled layer I (b4.conv0 is the const's epilogue).
  { net: 'synthesis', each: 'once', ours: 'synthesis.b4.const', tf: '4x4/Const/const', transform: 'nchwToNhwc', shape: (_, c) => [1, 4, 4, channelsAt(c, 4)] },
  { net: 'synthesis', each: 'styledLayer', ours: '{layer}.weight', tf: '{scope}/weight', shape: (v) => [K, K, v.cin, v.cout], when: (v) => v.hasWeight },
  { net: 'synthesis', each: 'styledLayer', ours: '{layer}.bias', tf: '{scope}/bias', shape: (v) => [v.cout] },
  { net: 'synthesis', each: 'styledLayer', ours: '{layer}.noiseStrength', tf: '{scope}/Noise/weight', shape: (v) => [v.cout], when: (_, c) => c.useNoise },
  { net: 'synthesis', each: 'styledLayer', ours: '{layer}.style.weight', tf: '{scope}/StyleMod/weight', shape: (v, c) => [c.wDim, 2 * v.cout] },
  { net: 'synthesis', each: 'styledLayer', ours: '{layer}.style.bias', tf: '{scope}/StyleMod/bias', shape: (v) => [2 * v.cout] },
  { net: 'synthesis', each: 'styledLayer', ours: '{layer}.noiseConst', tf: 'noise{I}', transform: 'nchwToNhwc', shape: (v) => [1, v.R, v.R, 1], when: (_, c) => c.useNoise },
  { net: 'synthesis', each: 'res', ours: 'synthesis.b{R}.torgb.weight', tf: 'ToRGB_lod{L}/weight', shape: (v, c) => [1, 1, v.C, c.imgChannels] },
  { net: 'synthesis', each: 'res', ours: 'synthesis.b{R}.torgb.bias', tf: 'ToRGB_lod{L}/bias', shape: (_, c) => [c.imgChannels] },
  // Discriminator (D_basic).
  { net: 'D', each: 'res', ours: 'fromrgb.b{R}.weight', tf: 'FromRGB_lod{L}/weight', shape: (v, c) => [1, 1, c.imgChannels, v.C] },
  { net: 'D', each: 'res', ours: 'fromrgb.b{R}.bias', tf: 'FromRGB_lod{L}/bias', shape: (v) => [v.C] },
  { net: 'D', each: 'dBlock', ours: 'b{R}.conv0.weight', tf: '{R}x{R}/Conv0/weight', shape: (v) => [K, K, v.C, v.C] },
  { net: 'D', each: 'dBlock', ours: 'b{R}.conv0.bias', tf: '{R}x{R}/Conv0/bias', shape: (v) => [v.C] },
  { net: 'D', each: 'dBlock', ours: 'b{R}.conv1.weight', tf: '{R}x{R}/Conv1_down/weight', shape: (v) => [K, K, v.C, v.cout] },
  { net: 'D', each: 'dBlock', ours: 'b{R}.conv1.bias', tf: '{R}x{R}/Conv1_down/bias', shape: (v) => [v.cout] },
  { net: 'D', each: 'once', ours: 'b4.conv.weight', tf: '4x4/Conv/weight', shape: (_, c) => [K, K, channelsAt(c, 4) + c.mbstdNumFeatures, channelsAt(c, 4)] },
  { net: 'D', each: 'once', ours: 'b4.conv.bias', tf: '4x4/Conv/bias', shape: (_, c) => [channelsAt(c, 4)] },
  { net: 'D', each: 'once', ours: 'b4.fc0.weight', tf: '4x4/Dense0/weight', transform: 'denseRowsNchwToNhwc', shape: (_, c) => [16 * channelsAt(c, 4), channelsAt(c, 2)] },
  { net: 'D', each: 'once', ours: 'b4.fc0.bias', tf: '4x4/Dense0/bias', shape: (_, c) => [channelsAt(c, 2)] },
  { net: 'D', each: 'once', ours: 'b4.out.weight', tf: '4x4/Dense1/weight', shape: (_, c) => [channelsAt(c, 2), 1] },
  { net: 'D', each: 'once', ours: 'b4.out.bias', tf: '4x4/Dense1/bias', shape: () => [1] },
];

/** TF variables that carry no parameter of ours (the progressive-growing level of detail). */
export const IGNORED_TF_VARIABLES: ReadonlySet<string> = new Set(['lod']);

/** A row expanded for one loop step. */
export interface Mapping { net: TfNet; ours: string; tf: string; transform: Transform; shape: number[] }

function loops(each: Each, cfg: StyleGANConfig): Vars[] {
  const base: Vars = { i: 0, R: 4, L: 0, I: 0, layer: '', scope: '', cin: 0, cout: 0, C: 0, hasWeight: true };
  const top = log2Int(cfg.imgResolution);
  const res = blockResolutions(cfg);
  switch (each) {
    case 'once': return [base];
    case 'fc': return Array.from({ length: cfg.mappingLayers }, (_, i) => ({
      ...base, i, cin: i === 0 ? cfg.zDim : cfg.mappingFmaps, cout: i === cfg.mappingLayers - 1 ? cfg.wDim : cfg.mappingFmaps,
    }));
    case 'res': return res.map((R) => ({ ...base, R, L: top - Math.log2(R), C: channelsAt(cfg, R) }));
    case 'dBlock': return res.filter((R) => R > 4).map((R) => ({ ...base, R, C: channelsAt(cfg, R), cout: channelsAt(cfg, R / 2) }));
    case 'styledLayer': return res.flatMap((R, b) => [0, 1].map((k) => {
      const scope = R === 4 ? (k === 0 ? '4x4/Const' : '4x4/Conv') : `${R}x${R}/${k === 0 ? 'Conv0_up' : 'Conv1'}`;
      const cin = k === 0 && R > 4 ? channelsAt(cfg, R / 2) : channelsAt(cfg, R);
      return { ...base, R, I: 2 * b + k, layer: `synthesis.b${R}.conv${k}`, scope, cin, cout: channelsAt(cfg, R), hasWeight: !(R === 4 && k === 0) };
    }));
  }
}

function fill(template: string, v: Vars): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(v[k as keyof Vars]));
}

/** The table expanded for `cfg`: every G (mapping, G, synthesis) or D parameter, in order. */
export function expandTable(cfg: StyleGANConfig, which: 'G' | 'D'): Mapping[] {
  const out: Mapping[] = [];
  for (const row of STYLEGAN_TF_TABLE) {
    if ((row.net === 'D') !== (which === 'D')) continue;
    for (const v of loops(row.each, cfg)) {
      if (row.when && !row.when(v, cfg)) continue;
      out.push({ net: row.net, ours: fill(row.ours, v), tf: fill(row.tf, v), transform: row.transform ?? 'copy', shape: row.shape(v, cfg) });
    }
  }
  return out;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

export function toFloat32(a: NdArray): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  if (a.data instanceof Float64Array) return Float32Array.from(a.data);
  throw new Error(`dtype ${a.dtype} where float32 was expected`);
}

/** [N, C, H, W] -> [N, H, W, C]. */
function nchwToNhwc(d: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(d.length);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[((b * h + y) * w + x) * c + ch] = d[((b * c + ch) * h + y) * w + x];
  }
  return out;
}

/** Dense [C*H*W, out] with rows in NCHW flatten order (c, h, w) -> rows in NHWC order (h, w, c). */
function denseRowsNchwToNhwc(d: Float32Array, rows: number, cols: number, c: number): Float32Array {
  const hw = rows / c;
  const out = new Float32Array(d.length);
  for (let ch = 0; ch < c; ch++) for (let p = 0; p < hw; p++) {
    out.set(d.subarray((ch * hw + p) * cols, (ch * hw + p + 1) * cols), (p * c + ch) * cols);
  }
  return out;
}

/** Applies a row's transform to a TF array, checking the result against our expected shape. */
export function convert(m: Mapping, a: NdArray): RawTensor {
  const data = toFloat32(a);
  const bad = () => new Error(`TF variable ${m.tf} has shape [${a.shape}], which does not give ${m.ours} [${m.shape}]`);
  switch (m.transform) {
    case 'copy':
      if (!sameShape(a.shape, m.shape)) throw bad();
      return { shape: m.shape.slice(), data };
    case 'nchwToNhwc': {
      const [n, c, h, w] = a.shape;
      if (a.shape.length !== 4 || !sameShape([n, h, w, c], m.shape)) throw bad();
      return { shape: m.shape.slice(), data: nchwToNhwc(data, a.shape) };
    }
    case 'denseRowsNchwToNhwc': {
      // D's Dense0 input is the 4x4 block's output: C channels of 4x4.
      if (!sameShape(a.shape, m.shape) || m.shape[0] % 16) throw bad();
      return { shape: m.shape.slice(), data: denseRowsNchwToNhwc(data, m.shape[0], m.shape[1], m.shape[0] / 16) };
    }
  }
}
