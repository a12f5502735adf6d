/** `train --arch stylegan2`: the --cfg preset with the shared flags applied on top (NVIDIA's train.py overrides). */
import { parseNumber, parseChoice, UsageError } from './args.js';
import { STYLEGAN2_CFGS, stylegan2Preset, type Stylegan2HyperParams } from '../training/stylegan2-presets.js';
import type { StyleGAN2Config } from '../networks/stylegan2/config.js';
import { channelsAt } from '../networks/stylegan2/layers.js';

/** Flags of the stylegan arch that have no meaning here: refused rather than silently ignored. */
const STYLEGAN_ONLY = ['preset', 'loss', 'grow', 'grow-start', 'fade-kimg', 'stab-kimg'] as const;

export function stylegan2TrainSetup(v: Record<string, string | boolean | undefined>, resolution: number): { config: StyleGAN2Config; hyper: Stylegan2HyperParams } {
  for (const f of STYLEGAN_ONLY) if (v[f] !== undefined) throw new UsageError(`--${f} is for --arch stylegan only`);
  const str = (k: string) => v[k] as string | undefined;
  const name = parseChoice(str('cfg'), 'cfg', STYLEGAN2_CFGS, resolution <= 64 ? 'cpu' : 'auto');
  const { config: c, hyper: h } = stylegan2Preset(name, resolution);
  const dim = parseNumber(str('zdim'), 'zdim', { int: true, min: 1, max: 4096, def: c.zDim });
  const channelBase = parseNumber(str('cbase'), 'cbase', { int: true, min: 1, def: c.synthesis.channelBase });
  const channelMax = parseNumber(str('cmax'), 'cmax', { int: true, min: 1, def: c.synthesis.channelMax });
  if (channelsAt(channelBase, channelMax, resolution) < 1) throw new UsageError(`--cbase ${channelBase} gives no channels at ${resolution} px (need cbase >= resolution)`);
  const config: StyleGAN2Config = {
    ...c, zDim: dim, wDim: dim,
    mapping: { ...c.mapping, layerFeatures: dim },
    synthesis: { ...c.synthesis, channelBase, channelMax },
    discriminator: { ...c.discriminator, channelBase, channelMax },
  };
  const lr = parseNumber(str('lr'), 'lr', { min: 1e-8, max: 1, def: h.lrG });
  const rampup = parseNumber(str('ema-rampup'), 'ema-rampup', { min: 0, max: 1, def: h.emaRampup ?? 0 });
  const hyper: Stylegan2HyperParams = {
    ...h, lrG: lr, lrD: lr,
    batch: parseNumber(str('batch'), 'batch', { int: true, min: 1, max: 4096, def: h.batch }),
    r1Gamma: parseNumber(str('gamma'), 'gamma', { min: 0, def: h.r1Gamma }),
    mixing: parseNumber(str('mixing'), 'mixing', { min: 0, max: 1, def: h.mixing }),
    emaKimg: parseNumber(str('ema-kimg'), 'ema-kimg', { min: 0, def: h.emaKimg }),
    emaRampup: rampup > 0 ? rampup : null,
    plWeight: parseNumber(str('pl-weight'), 'pl-weight', { min: 0, def: h.plWeight }),
    dRegInterval: parseNumber(str('r1-interval'), 'r1-interval', { int: true, min: 1, max: 1000, def: h.dRegInterval }),
    diffaug: v.diffaug === true || h.diffaug === true,
    seed: parseNumber(str('seed'), 'seed', { int: true, min: 0, max: 0xffffffff, def: 0 }),
  };
  return { config, hyper };
}
