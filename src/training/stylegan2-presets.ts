/**
 * `train --arch stylegan2 --cfg NAME`: NVIDIA's stylegan2-ada-pytorch train.py cfg_specs
 * (auto, stylegan2, paper256, paper512, paper1024, cifar) for one GPU, plus small CPU ones.
 */
import type { StyleGAN2Config } from '../networks/stylegan2/config.js';
import { defaultStyleGAN2Config } from '../networks/stylegan2/config.js';
import type { BaseHyperParams } from './trainer-base.js';

export interface Stylegan2HyperParams extends BaseHyperParams {
  /** The --cfg it came from (informational). */
  cfgName: string;
  lrG: number;
  lrD: number;
  r1Gamma: number;
  /** Style mixing probability (0.9; 0 for cifar). */
  mixing: number;
  emaKimg: number;
  /** null = no ramp-up. */
  emaRampup: number | null;
  /** Path length regularization weight (2; 0 for cifar), batch shrink (2) and pl_mean decay (0.01). */
  plWeight: number;
  plBatchShrink: number;
  plDecay: number;
  /** Lazy regularization: PL every 4 G steps, R1 every 16 D steps (NVIDIA's G/D_reg_interval). */
  gRegInterval: number;
  dRegInterval: number;
  /** Freeze-D (Mo et al. 2020, NVIDIA's --freezed): D's first N layers, from the highest resolution, are not trained. */
  freezeD?: number;
  /** DiffAugment translation + cutout on everything D sees (training/diffaugment.ts); absent = off. */
  diffaug?: boolean;
}

export const STYLEGAN2_CFGS = ['auto', 'stylegan2', 'paper256', 'paper512', 'paper1024', 'cifar', 'cpu'] as const;
export type Stylegan2CfgName = (typeof STYLEGAN2_CFGS)[number];

interface Spec { mb: number; mbstd: number; fmaps: number; lrate: number; gamma: number; ema: number; ramp: number | null; map: number }

/** cfg_specs with ref_gpus = 1 (train.py's 'auto' formulas for gpus = 1). */
function spec(name: Stylegan2CfgName, res: number): Spec {
  switch (name) {
    case 'stylegan2': return { mb: 32, mbstd: 4, fmaps: 1, lrate: 0.002, gamma: 10, ema: 10, ramp: null, map: 8 };
    case 'paper256': return { mb: 64, mbstd: 8, fmaps: 0.5, lrate: 0.0025, gamma: 1, ema: 20, ramp: null, map: 8 };
    case 'paper512': return { mb: 64, mbstd: 8, fmaps: 1, lrate: 0.0025, gamma: 0.5, ema: 20, ramp: null, map: 8 };
    case 'paper1024': return { mb: 32, mbstd: 4, fmaps: 1, lrate: 0.002, gamma: 2, ema: 10, ramp: null, map: 8 };
    case 'cifar': return { mb: 64, mbstd: 32, fmaps: 1, lrate: 0.0025, gamma: 0.01, ema: 500, ramp: 0.05, map: 2 };
    case 'auto': {
      // train.py's 'auto' with one GPU.
      const mb = Math.max(Math.min(Math.min(Math.floor(4096 / res), 32), 64), 1);
      return { mb, mbstd: Math.min(mb, 4), fmaps: res >= 512 ? 1 : 0.5, lrate: res >= 1024 ? 0.002 : 0.0025, gamma: 0.0002 * res * res / mb, ema: mb * 10 / 32, ramp: 0.05, map: 2 };
    }
    case 'cpu':
      // The main job's (docs/main-job.md): 'auto' rules for a batch of 16 (gamma, EMA), run at a batch
      // of 32, which trains ~1.25x more img/s on 2 cores and reached lower SWD in 20 minutes.
      return { mb: 32, mbstd: 4, fmaps: 0.5, lrate: 0.0025, gamma: 0.0002 * res * res / 16, ema: 16 * 10 / 32, ramp: 0.05, map: 2 };
  }
}

/** Network and hyperparameters of a cfg at `resolution` (cpu: 128-d latents, at most 64 or 128 channels). */
export function stylegan2Preset(name: Stylegan2CfgName, resolution: number): { config: StyleGAN2Config; hyper: Stylegan2HyperParams } {
  const s = spec(name, resolution);
  const cpu = name === 'cpu';
  const channelBase = cpu ? (resolution <= 32 ? 1024 : 2048) : Math.floor(s.fmaps * 32768);
  const channelMax = cpu ? (resolution <= 32 ? 64 : 128) : 512;
  const dim = cpu ? 128 : 512;
  const config = defaultStyleGAN2Config({
    zDim: dim, wDim: dim, imgResolution: resolution,
    mapping: { numLayers: s.map },
    // NVIDIA runs the top 4 resolutions in fp16 with conv_clamp 256; we run fp32 but keep the clamp.
    synthesis: { channelBase, channelMax, numFp16Res: 4, convClamp: 256 },
    discriminator: { channelBase, channelMax, numFp16Res: 4, convClamp: 256, mbstdGroupSize: s.mbstd, ...(name === 'cifar' && { architecture: 'orig' as const }) },
  });
  const hyper: Stylegan2HyperParams = {
    cfgName: name, batch: s.mb, seed: 0, lrG: s.lrate, lrD: s.lrate, r1Gamma: s.gamma,
    mixing: name === 'cifar' ? 0 : 0.9, emaKimg: s.ema, emaRampup: s.ramp,
    // No path length regularization for cpu (as NVIDIA's cifar): ~1.3x faster steps, no SWD loss measured.
    plWeight: name === 'cifar' || name === 'cpu' ? 0 : 2, plBatchShrink: 2, plDecay: 0.01, gRegInterval: 4, dRegInterval: 16,
  };
  return { config, hyper };
}
