/** `train --arch gan|dcgan|...`: a baseline's reference hyperparameters with the shared flags on top. */
import { parseNumber, UsageError } from './args.js';
import { baselineConfig, type BaselineArch, type BaselineConfig } from '../networks/baselines/config.js';
import { BASELINE_HYPER, type BaselineHyperParams } from '../training/baselines/hyper.js';

/** StyleGAN flags with no meaning for a baseline: refused rather than silently ignored. */
const STYLEGAN_ONLY = ['preset', 'cfg', 'loss', 'grow', 'grow-start', 'fade-kimg', 'stab-kimg', 'cbase', 'cmax', 'gamma', 'mixing', 'ema-kimg', 'ema-rampup'] as const;

export function baselineTrainSetup(v: Record<string, string | boolean | undefined>, arch: BaselineArch, resolution: number): { config: BaselineConfig; hyper: BaselineHyperParams } {
  for (const f of STYLEGAN_ONLY) if (v[f] !== undefined) throw new UsageError(`--${f} is for the StyleGAN archs, not --arch ${arch}`);
  const str = (k: string) => v[k] as string | undefined;
  let config: BaselineConfig;
  try {
    config = baselineConfig(arch, resolution);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const zDim = parseNumber(str('zdim'), 'zdim', { int: true, min: 1, max: 4096, def: config.zDim });
  config = { ...config, zDim, wDim: zDim };
  const h = BASELINE_HYPER[arch];
  const lr = parseNumber(str('lr'), 'lr', { min: 1e-8, max: 1, def: h.lrG });
  const hyper: BaselineHyperParams = {
    ...h, lrG: lr, lrD: arch === 'vae' ? 0 : lr,
    batch: parseNumber(str('batch'), 'batch', { int: true, min: 2, max: 4096, def: h.batch }),
    seed: parseNumber(str('seed'), 'seed', { int: true, min: 0, max: 0xffffffff, def: 0 }),
  };
  return { config, hyper };
}
