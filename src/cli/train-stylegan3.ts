/** `train --arch stylegan3`: the --cfg preset with the shared flags applied on top (NVlabs/stylegan3 train.py's overrides). */
import { parseNumber, parseChoice, UsageError } from './args.js';
import { STYLEGAN3_CFGS, stylegan3Preset, type Stylegan3HyperParams } from '../training/stylegan3-presets.js';
import type { StyleGAN3Config } from '../networks/stylegan3/config.js';

/** Flags of the other archs that have no meaning here: refused rather than silently ignored. */
const NOT_HERE = ['preset', 'loss', 'grow', 'grow-start', 'fade-kimg', 'stab-kimg', 'mixing'] as const;

export function stylegan3TrainSetup(v: Record<string, string | boolean | undefined>, resolution: number): { config: StyleGAN3Config; hyper: Stylegan3HyperParams; note: string } {
  for (const f of NOT_HERE) if (v[f] !== undefined) throw new UsageError(`--${f} does not apply to --arch stylegan3`);
  const str = (k: string) => v[k] as string | undefined;
  const name = parseChoice(str('cfg'), 'cfg', STYLEGAN3_CFGS, resolution <= 64 ? 'stylegan3-t-cpu' : 'stylegan3-t');
  const batch = str('batch') === undefined ? undefined : parseNumber(str('batch'), 'batch', { int: true, min: 1, max: 4096 });
  const { config: c, hyper: h } = stylegan3Preset(name, resolution, batch);
  const dim = parseNumber(str('zdim'), 'zdim', { int: true, min: 1, max: 4096, def: c.zDim });
  // As train.py: --cbase / --cmax set D's channels and G's, which R doubles.
  const channelBase = parseNumber(str('cbase'), 'cbase', { int: true, min: 1, def: c.discriminator.channelBase });
  const channelMax = parseNumber(str('cmax'), 'cmax', { int: true, min: 1, def: c.discriminator.channelMax });
  const g = c.synthesis.useRadialFilters ? 2 : 1;
  if (Math.min(Math.floor(channelBase / resolution), channelMax) < 1) throw new UsageError(`--cbase ${channelBase} gives D no channels at ${resolution} px (need cbase >= resolution)`);
  const config: StyleGAN3Config = {
    ...c, zDim: dim, wDim: dim,
    synthesis: { ...c.synthesis, channelBase: channelBase * g, channelMax: channelMax * g },
    discriminator: { ...c.discriminator, channelBase, channelMax },
  };
  const gammaGiven = str('gamma') !== undefined;
  const rampup = parseNumber(str('ema-rampup'), 'ema-rampup', { min: 0, max: 1, def: h.emaRampup ?? 0 });
  const hyper: Stylegan3HyperParams = {
    ...h,
    lrG: parseNumber(str('lr'), 'lr', { min: 1e-8, max: 1, def: h.lrG }),
    lrD: parseNumber(str('lr'), 'lr', { min: 1e-8, max: 1, def: h.lrD }),
    r1Gamma: parseNumber(str('gamma'), 'gamma', { min: 0, def: h.r1Gamma }),
    emaKimg: parseNumber(str('ema-kimg'), 'ema-kimg', { min: 0, def: h.emaKimg }),
    emaRampup: rampup > 0 ? rampup : null,
    seed: parseNumber(str('seed'), 'seed', { int: true, min: 0, max: 0xffffffff, def: 0 }),
  };
  const note = gammaGiven ? '' : `note: --gamma not given: using ${hyper.r1Gamma} for ${resolution} px (NVIDIA's recommended 0.5 at 128 px, times (resolution / 128)^2); tune it per data set`;
  return { config, hyper, note };
}
