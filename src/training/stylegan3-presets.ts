/**
 * `train --arch stylegan3 --cfg NAME`: NVlabs/stylegan3 train.py's settings for stylegan3-t and
 * stylegan3-r (one GPU's worth), plus `-cpu` variants of both for laptop-sized runs.
 */
import { defaultStyleGAN3Config, type StyleGAN3Config } from '../networks/stylegan3/config.js';
import type { BaseHyperParams } from './trainer-base.js';

export interface Stylegan3HyperParams extends BaseHyperParams {
  /** The --cfg it came from (informational). */
  cfgName: string;
  /** Adam learning rates: G 0.0025, D 0.002 (train.py --glr, --dlr). */
  lrG: number;
  lrD: number;
  /** R1 weight (train.py requires --gamma; our default scales NVIDIA's table, printed at start). */
  r1Gamma: number;
  /** G_ema half-life: batch * 10 / 32 kimg, ramp-up 0.05. */
  emaKimg: number;
  emaRampup: number | null;
  /** Lazy R1 every 16 D steps; G has no regularization (no path length, no style mixing). */
  dRegInterval: number;
  /** StyleGAN3-R blurs D's inputs: sigma starts here (10) and fades to 0 over blurFadeKimg (batch * 200 / 32). */
  blurInitSigma: number;
  blurFadeKimg: number;
}

export const STYLEGAN3_CFGS = ['stylegan3-t', 'stylegan3-r', 'stylegan3-t-cpu', 'stylegan3-r-cpu'] as const;
export type Stylegan3CfgName = (typeof STYLEGAN3_CFGS)[number];

/**
 * NVIDIA's recommended gamma (docs/configs.md: 0.5 at 128 px, 2 at 256, 8 at 512, 32 at 1024 for
 * batch 32: quadratic in the resolution), i.e. resolution^2 / 32768.
 */
export function defaultGamma3(resolution: number): number {
  return (resolution * resolution) / 32768;
}

/** Network and hyperparameters of a cfg at `resolution` and `batch` (train.py: --batch is required; 32 here, 16 for -cpu). */
export function stylegan3Preset(name: Stylegan3CfgName, resolution: number, batch?: number): { config: StyleGAN3Config; hyper: Stylegan3HyperParams } {
  const cpu = name.endsWith('-cpu'), r = name.startsWith('stylegan3-r');
  const mb = batch ?? (cpu ? 16 : 32);
  // cpu: 128-d latents and at most 64 feature maps (128 for R), as the stylegan2 'cpu' cfg.
  const base = cpu ? 1024 : 32768, max = cpu ? 64 : 512, dim = cpu ? 128 : 512;
  const config = defaultStyleGAN3Config({
    zDim: dim, wDim: dim, imgResolution: resolution,
    mapping: { numLayers: 2 },
    synthesis: {
      channelBase: r ? base * 2 : base, channelMax: r ? max * 2 : max, convKernel: r ? 1 : 3, useRadialFilters: r,
      magnitudeEmaBeta: 0.5 ** (mb / 20e3),
    },
    discriminator: { channelBase: base, channelMax: max, mbstdGroupSize: Math.min(4, mb) },
  });
  const hyper: Stylegan3HyperParams = {
    cfgName: name, batch: mb, seed: 0, lrG: 0.0025, lrD: 0.002, r1Gamma: defaultGamma3(resolution),
    emaKimg: (mb * 10) / 32, emaRampup: 0.05, dRegInterval: 16,
    blurInitSigma: r ? 10 : 0, blurFadeKimg: r ? (mb * 200) / 32 : 0,
  };
  return { config, hyper };
}
