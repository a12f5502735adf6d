/**
 * The name table between our `stylegan2` parameters and the variables of NVIDIA's TensorFlow
 * StyleGAN2 networks (stylegan2-ada's training/networks.py: G_main with its G_mapping and
 * G_synthesis components, D_main), under the names stylegan2-ada-pytorch's legacy.py reads:
 * component variables prefixed `mapping/` / `synthesis/`, G_main's own `dlatent_avg`.
 *
 * TF layouts: dense [in, out] and conv [k, k, in, out] are ours already, except that the
 * upsampling convs (Conv0_up, the G Skip) are stored unflipped for TF's transposed conv, so
 * they are ours flipped in both spatial axes; the const [1, C, 4, 4] and stored noise
 * [1, 1, R, R] are NCHW; the style bias `mod_bias` is ours minus 1 (TF adds the 1 at run
 * time); D's Dense0 flattens an NCHW [C, 4, 4] activation, so its rows are (c, h, w), ours (h, w, c).
 */
import type { StyleGAN2Config } from '../networks/stylegan2/config.js';
import { layerSpecs, type LayerSpec } from './stylegan2-table.js';

export type TfTransform2 = 'copy' | 'flip' | 'const' | 'noise' | 'modBias' | 'fcNchwRows';

/** One variable: our name and shape, its TF name (with component prefix) and shape. */
export interface TfMapping2 { ours: string; tf: string; transform: TfTransform2; shape: number[]; tfShape: number[] }

/** TF variable scope of one of our layers (our path minus its leaf kind). */
function scopeOf(l: LayerSpec): string {
  const p = l.p;
  let m: RegExpMatchArray | null;
  if ((m = p.match(/^mapping\.fc(\d+)$/))) return `${l.net === 'G' ? 'mapping/Dense' : 'Mapping'}${m[1]}`;
  if (p === 'mapping.embed') return l.net === 'G' ? 'mapping/LabelEmbed' : 'LabelEmbed';
  if ((m = p.match(/^synthesis\.b(\d+)(?:\.(conv0|conv1|torgb|skip))?(?:\.affine)?$/))) {
    const R = Number(m[1]), what = m[2];
    const layer = what === undefined ? 'Const' : what === 'conv0' ? 'Conv0_up' : what === 'conv1' ? (R === 4 ? 'Conv' : 'Conv1') : what === 'torgb' ? 'ToRGB' : 'Skip';
    return `synthesis/${R}x${R}/${layer}`;
  }
  if ((m = p.match(/^b4\.(fromrgb|conv|fc|out)$/))) return { fromrgb: '4x4/FromRGB', conv: '4x4/Conv', fc: '4x4/Dense0', out: 'Output' }[m[1]]!;
  if ((m = p.match(/^b(\d+)\.(fromrgb|conv0|conv1|skip)$/))) {
    return `${m[1]}x${m[1]}/${{ fromrgb: 'FromRGB', conv0: 'Conv0', conv1: 'Conv1_down', skip: 'Skip' }[m[2]]}`;
  }
  throw new Error(`no TF scope for ${p}`);
}

/** Index of a synthesis layer's stored noise (`synthesis/noiseI`): conv1 of 4x4 is 0, then two per block. */
function noiseIndex(R: number, conv: 'conv0' | 'conv1'): number {
  const l = Math.log2(R);
  return R === 4 ? 0 : conv === 'conv0' ? 2 * l - 5 : 2 * l - 4;
}

/** Every variable of our G (mapping + synthesis + w_avg) or D for `cfg`, in TF's creation order where it matters. */
export function expandTfTable2(cfg: StyleGAN2Config, which: 'G' | 'D'): TfMapping2[] {
  const out: TfMapping2[] = [];
  const add = (ours: string, tf: string, transform: TfTransform2, shape: number[], tfShape = shape) => out.push({ ours, tf, transform, shape, tfShape });
  for (const l of layerSpecs(cfg, which)) {
    const p = l.p;
    switch (l.kind) {
      case 'wAvg': add(`${p}.wAvg`, 'dlatent_avg', 'copy', [l.cout]); break;
      case 'const': add(`${p}.const`, `${scopeOf(l)}/const`, 'const', [l.R, l.R, l.cout], [1, l.cout, l.R, l.R]); break;
      case 'fc': {
        const affine = p.endsWith('.affine');
        add(`${p}.weight`, `${scopeOf(l)}/${affine ? 'mod_weight' : 'weight'}`, 'copy', [l.cin, l.cout]);
        if (l.bias) add(`${p}.bias`, `${scopeOf(l)}/${affine ? 'mod_bias' : 'bias'}`, affine ? 'modBias' : 'copy', [l.cout]);
        break;
      }
      case 'fcNchw':
        add(`${p}.weight`, `${scopeOf(l)}/weight`, 'fcNchwRows', [l.cin, l.cout]);
        add(`${p}.bias`, `${scopeOf(l)}/bias`, 'copy', [l.cout]);
        break;
      case 'conv': {
        const flip = l.net === 'G' && p.endsWith('.skip'); // G's Skip upsamples
        add(`${p}.weight`, `${scopeOf(l)}/weight`, flip ? 'flip' : 'copy', [l.k, l.k, l.cin, l.cout]);
        if (l.bias) add(`${p}.bias`, `${scopeOf(l)}/bias`, 'copy', [l.cout]);
        break;
      }
      case 'styled': {
        const conv = p.endsWith('.conv0') ? 'conv0' : 'conv1';
        add(`${p}.weight`, `${scopeOf(l)}/weight`, conv === 'conv0' ? 'flip' : 'copy', [l.k, l.k, l.cin, l.cout]);
        add(`${p}.bias`, `${scopeOf(l)}/bias`, 'copy', [l.cout]);
        if (l.noise) {
          add(`${p}.noiseStrength`, `${scopeOf(l)}/noise_strength`, 'copy', []);
          add(`${p}.noiseConst`, `synthesis/noise${noiseIndex(l.R, conv)}`, 'noise', [l.R, l.R], [1, 1, l.R, l.R]);
        }
        break;
      }
    }
  }
  return out;
}

/** Ours -> TF layout (`d` has our shape). */
export function toTfData(m: TfMapping2, d: Float32Array): Float32Array {
  switch (m.transform) {
    case 'copy': case 'noise': return d;
    case 'modBias': return d.map((v) => v - 1);
    case 'flip': return flipHw(d, m.shape);
    case 'const': { // [H, W, C] -> [C, H, W]
      const [h, w, c] = m.shape, out = new Float32Array(d.length);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) out[(ch * h + y) * w + x] = d[(y * w + x) * c + ch];
      return out;
    }
    case 'fcNchwRows': { // rows (h, w, c) -> (c, h, w)
      const [rows, cout] = m.shape, c = rows / 16, out = new Float32Array(d.length);
      for (let p = 0; p < 16; p++) for (let ch = 0; ch < c; ch++) out.set(d.subarray((p * c + ch) * cout, (p * c + ch + 1) * cout), (ch * 16 + p) * cout);
      return out;
    }
  }
}

/** TF -> our layout (`d` has the TF shape). */
export function fromTfData(m: TfMapping2, d: Float32Array): Float32Array {
  switch (m.transform) {
    case 'copy': case 'noise': return d;
    case 'modBias': return d.map((v) => v + 1);
    case 'flip': return flipHw(d, m.shape); // its own inverse
    case 'const': { // [C, H, W] -> [H, W, C]
      const [h, w, c] = m.shape, out = new Float32Array(d.length);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) out[(y * w + x) * c + ch] = d[(ch * h + y) * w + x];
      return out;
    }
    case 'fcNchwRows': {
      const [rows, cout] = m.shape, c = rows / 16, out = new Float32Array(d.length);
      for (let p = 0; p < 16; p++) for (let ch = 0; ch < c; ch++) out.set(d.subarray((ch * 16 + p) * cout, (ch * 16 + p + 1) * cout), (p * c + ch) * cout);
      return out;
    }
  }
}

/** [kh, kw, I, O] with both spatial axes reversed. */
function flipHw(d: Float32Array, [kh, kw, ci, co]: number[]): Float32Array {
  const out = new Float32Array(d.length), inner = ci * co;
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    out.set(d.subarray((y * kw + x) * inner, (y * kw + x + 1) * inner), ((kh - 1 - y) * kw + (kw - 1 - x)) * inner);
  }
  return out;
}
