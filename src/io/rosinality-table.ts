/**
 * The name table between rosinality/stylegan2-pytorch's Generator (and Discriminator) state
 * dicts and our `stylegan2` G (and D). Its layers are NVIDIA's under other names (checked numerically against
 * model.py: EqualLinear = FullyConnectedLayer with the same lr_mul storage, fused_lrelu =
 * bias_act lrelu gain sqrt(2), ModulatedConv2d = modulated_conv2d with the same transposed
 * conv + [1,3,3,1] blur (pad 1, 1, gain 4) when upsampling, ToRGB's skip upsample = upsample2d),
 * so only names and layouts differ. The one formula that differs: rosinality demodulates the
 * scaled weight, rsqrt(sum (w s / sqrt(fan_in))^2 + 1e-8), NVIDIA (and we) the raw one,
 * rsqrt(sum (w s)^2 + 1e-8); after the weight gain they differ only in where the 1e-8 goes
 * (a relative 1e-8 * fan_in / sum (w s)^2, far below float32 rounding), so no option is needed:
 * the fixture matches to 1e-5. Layouts:
 *
 * - EqualLinear weight [out, in] -> ours [in, out];
 * - ModulatedConv2d weight [1, O, I, k, k] -> HWIO; ConstantInput [1, C, 4, 4] -> [4, 4, C];
 * - the bias after a styled conv is `activate.bias` (FusedLeakyReLU), ToRGB's is [1, 3, 1, 1];
 * - NoiseInjection weight [1] -> our scalar noiseStrength; noises.noise_N [1, 1, R, R] -> noiseConst;
 * - the truncation average is the checkpoint's top-level `latent_avg`.
 */
import type { StyleGAN2Config } from '../networks/stylegan2/config.js';
import { expandTable2, officialShape, type Transform } from './stylegan2-table.js';

type Role = 'fc' | 'styled' | 'torgb' | 'const' | 'wAvg';

interface Rule {
  /** `{q}`: the layer's module path in rosinality's Generator, `{n}`: its noise index. */
  theirs: string;
  /** Leading size-1 dimensions rosinality adds to NVIDIA's layout (the data order is the same). */
  lead?: number;
  /** Their shape when it is not NVIDIA's plus `lead`, from ours. */
  theirShape?: (ours: number[]) => number[];
}

/** Per kind of layer and tensor leaf (our name): where it is in rosinality's state dict. */
const RULES: Readonly<Record<`${Role}.${string}`, Rule>> = {
  'fc.weight': { theirs: '{q}.weight' },
  'fc.bias': { theirs: '{q}.bias' },
  'styled.weight': { theirs: '{q}.conv.weight', lead: 1 },
  'styled.bias': { theirs: '{q}.activate.bias' },
  'styled.noiseStrength': { theirs: '{q}.noise.weight', theirShape: () => [1] },
  'styled.noiseConst': { theirs: 'noises.noise_{n}', lead: 2 },
  'torgb.weight': { theirs: '{q}.conv.weight', lead: 1 },
  'torgb.bias': { theirs: '{q}.bias', theirShape: (s) => [1, s[0], 1, 1] },
  'const.const': { theirs: 'input.input', lead: 1 },
  'wAvg.wAvg': { theirs: 'latent_avg' },
};

/** Our module path -> its role, rosinality's module path and noise index. */
function theirPath(p: string): { role: Role; q: string; n: number } {
  let m = /^mapping\.fc(\d+)$/.exec(p);
  if (m) return { role: 'fc', q: `style.${Number(m[1]) + 1}`, n: -1 };
  if (p === 'mapping') return { role: 'wAvg', q: '', n: -1 };
  if (p === 'synthesis.b4') return { role: 'const', q: '', n: -1 };
  m = /^synthesis\.b(\d+)\.(conv0|conv1|torgb)(\.affine)?$/.exec(p);
  if (!m) throw new Error(`no rosinality name for our layer ${p}`);
  const block = Math.log2(Number(m[1])) - 3; // 0 for 8 px; -1 for the 4 px block
  const affine = m[3] ? '.conv.modulation' : '';
  const role: Role = m[3] ? 'fc' : m[2] === 'torgb' ? 'torgb' : 'styled';
  if (m[2] === 'torgb') return { role, q: (block < 0 ? 'to_rgb1' : `to_rgbs.${block}`) + affine, n: -1 };
  if (block < 0) return { role, q: `conv1${affine}`, n: 0 };
  const i = 2 * block + (m[2] === 'conv0' ? 0 : 1);
  return { role, q: `convs.${i}${affine}`, n: i + 1 };
}

export interface RosinalityMapping {
  ours: string;
  theirs: string;
  transform: Transform;
  /** Our shape. */
  shape: number[];
  theirShape: number[];
}

/**
 * Our D module path -> rosinality's (weight, bias) module paths. Its ConvLayer is a Sequential
 * of [Blur,] EqualConv2d, FusedLeakyReLU, so the conv's weight and the bias sit at different
 * indices; ResBlock k (k = 1 at the top resolution) is our block b{size / 2^(k-1)}.
 */
function theirDPath(p: string, size: number): { w: string; b: string } {
  const m = /^b(\d+)\.(fromrgb|conv0|conv1|skip|conv|fc|out)$/.exec(p);
  if (!m) throw new Error(`no rosinality name for our layer D.${p}`);
  const k = Math.log2(size / Number(m[1])) + 1;
  switch (m[2]) {
    case 'fromrgb': return { w: 'convs.0.0', b: 'convs.0.1' };
    case 'conv0': return { w: `convs.${k}.conv1.0`, b: `convs.${k}.conv1.1` };
    case 'conv1': return { w: `convs.${k}.conv2.1`, b: `convs.${k}.conv2.2` };
    case 'skip': return { w: `convs.${k}.skip.1`, b: '' };
    case 'conv': return { w: 'final_conv.0', b: 'final_conv.1' };
    case 'fc': return { w: 'final_linear.0', b: 'final_linear.0' };
    default: return { w: 'final_linear.1', b: 'final_linear.1' };
  }
}

/** Every tensor of our G or D (stylegan2-table's expansion) with its rosinality name and shape. */
export function expandRosinalityTable(cfg: StyleGAN2Config, which: 'G' | 'D' = 'G'): RosinalityMapping[] {
  if (which === 'D') {
    // D's layouts are NVIDIA's (EqualConv2d OIHW, EqualLinear [out, in], the fc over an NCHW flatten).
    return expandTable2(cfg, 'D').map((m) => {
      const dot = m.ours.lastIndexOf('.'), leaf = m.ours.slice(dot + 1), q = theirDPath(m.ours.slice(0, dot), cfg.imgResolution);
      return { ours: m.ours, theirs: `${leaf === 'weight' ? q.w : q.b}.${leaf}`, transform: m.transform, shape: m.shape, theirShape: officialShape(m) };
    });
  }
  return expandTable2(cfg, 'G').map((m) => {
    const dot = m.ours.lastIndexOf('.');
    const { role, q, n } = theirPath(m.ours.slice(0, dot));
    const rule = RULES[`${role}.${m.ours.slice(dot + 1)}`];
    if (!rule) throw new Error(`no rosinality name for our tensor ${m.ours}`);
    const theirShape = rule.theirShape ? rule.theirShape(m.shape) : [...new Array<number>(rule.lead ?? 0).fill(1), ...officialShape(m)];
    return { ours: m.ours, theirs: rule.theirs.replace('{q}', q).replace('{n}', String(n)), transform: m.transform, shape: m.shape, theirShape };
  });
}
