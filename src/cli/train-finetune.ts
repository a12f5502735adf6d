/**
 * `train --resume NET.pkl [--freezed N]`: fine-tuning as NVIDIA's train.py --resume (a new run from
 * a published network's G, G_ema and D: EMA ramp-up off, ADA adjusting over 100 kimg instead of
 * 500) and Freeze-D. Our own snapshots with a training state still continue exactly.
 */
import { parseNumber, UsageError } from './args.js';
import { isPickleFile, readNetworkFile } from './network.js';
import type { Snapshot } from '../io/snapshot.js';
import type { NetworkConfig } from '../networks/config.js';
import type { AugmentOptions } from '../training/augment/ada.js';

export const FINETUNE_HELP = `Fine-tuning (StyleGAN2-ADA's transfer learning):
  --resume NET.pkl       start a new run from an official stylegan2-ada-pytorch / StyleGAN2 or StyleGAN3
                         pickle's G, G_ema and D (EMA ramp-up off; ADA adjusts over 100 kimg, not 500);
                         the network's shape and resolution are the pickle's (stylegan3: --cfg defaults
                         to its kind, T or R)
  --freezed N            stylegan2: freeze D's first N layers (Freeze-D; default 0)`;

export const FINETUNE_FLAGS = { freezed: { type: 'string' } } as const;

export interface FinetuneSetup {
  init?: { snapshot: Snapshot<NetworkConfig>; source: string };
  resume?: string;
  freezeD?: number;
}

export function finetuneSetup(v: Record<string, string | boolean | undefined>, arch: string): FinetuneSetup {
  const resume = v.resume as string | undefined;
  const freezeD = v.freezed === undefined ? undefined : parseNumber(v.freezed as string, 'freezed', { int: true, min: 0 });
  if (freezeD !== undefined && arch !== 'stylegan2') throw new UsageError(`--freezed is for --arch stylegan2, not ${arch}`);
  if (!resume || !isPickleFile(resume)) return { resume, freezeD };
  let snapshot: Snapshot<NetworkConfig>;
  try {
    snapshot = readNetworkFile(resume, { full: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { init: { snapshot, source: resume }, freezeD };
}

/** NVIDIA's resume settings: no EMA ramp-up, ADA reacting faster. */
export function finetuneHyper<H extends { emaRampup?: number | null; augment?: AugmentOptions; freezeD?: number }>(h: H, s: FinetuneSetup): H {
  const out = { ...h, ...(s.freezeD !== undefined && { freezeD: s.freezeD }) };
  if (!s.init) return out;
  return { ...out, emaRampup: null, ...(out.augment && { augment: { ...out.augment, kimg: 100 } }) };
}
