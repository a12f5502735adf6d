/** `train --arch stylegan3`: the --cfg preset with the shared flags applied on top (NVlabs/stylegan3 train.py's overrides). */
import { parseNumber, parseChoice, UsageError } from './args.js';
import { STYLEGAN3_CFGS, stylegan3Preset, type Stylegan3HyperParams } from '../training/stylegan3-presets.js';
import type { StyleGAN3Config } from '../networks/stylegan3/config.js';
import type { FinetuneSetup } from './train-finetune.js';

/** Flags of the other archs that have no meaning here: refused rather than silently ignored. */
const NOT_HERE = ['preset', 'loss', 'grow', 'grow-start', 'fade-kimg', 'stab-kimg', 'mixing'] as const;

/**
 * With `init` (train --resume NET.pkl, fine-tuning NVIDIA's network): the network is the pickle's
 * (its shape flags are refused), the default --cfg is its kind (T or R; another kind is an error:
 * R's D-input blur and T's 3x3 convs do not mix), the magnitude EMA beta follows this run's batch
 * as train.py sets it; the hyperparameters come from --cfg and the flags as for a new run.
 */
export function stylegan3TrainSetup(v: Record<string, string | boolean | undefined>, resolution: number, init?: FinetuneSetup['init']): { config: StyleGAN3Config; hyper: Stylegan3HyperParams; note: string; init?: FinetuneSetup['init'] } {
  for (const f of NOT_HERE) if (v[f] !== undefined) throw new UsageError(`--${f} does not apply to --arch stylegan3`);
  const str = (k: string) => v[k] as string | undefined;
  const from = init?.snapshot.config.arch === 'stylegan3' ? init.snapshot.config as StyleGAN3Config : undefined;
  const kind = from ? (from.synthesis.useRadialFilters ? 'stylegan3-r' : 'stylegan3-t') : 'stylegan3-t';
  const name = parseChoice(str('cfg'), 'cfg', STYLEGAN3_CFGS, resolution <= 64 ? `${kind}-cpu` as const : kind);
  if (from) {
    for (const f of ['cbase', 'cmax', 'zdim'] as const) if (v[f] !== undefined) throw new UsageError(`--${f} does not apply when fine-tuning ${init!.source}: the network's shape is the pickle's`);
    if (!name.startsWith(kind)) throw new UsageError(`${init!.source}: a ${kind} network, but --cfg is ${name}`);
  }
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
  if (!from) return { config, hyper, note };
  const tuned: StyleGAN3Config = { ...from, synthesis: { ...from.synthesis, magnitudeEmaBeta: config.synthesis.magnitudeEmaBeta } };
  return { config: tuned, hyper, note, init: { ...init!, snapshot: { ...init!.snapshot, config: tuned } } };
}
