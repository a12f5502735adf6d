/** `train --aug ada|noaug|fixed --p F --target F --augpipe NAME`: NVIDIA's train.py rules for the augmentation flags. */
import { parseChoice, parseNumber, UsageError } from './args.js';
import { DEFAULT_AUGMENT, type AugmentOptions, type AugMode } from '../training/augment/ada.js';
import { AUGPIPE_NAMES, augmentSpec, stagesOf, type AugpipeName } from '../training/augment/specs.js';
import { HZ_FBANK } from '../training/augment/filter-bank.js';

export const AUGMENT_HELP = `Augmentation (StyleGAN2-ADA; D sees augmented reals and fakes):
  --aug ada|noaug|fixed  adaptive p, none, or a fixed --p (default: ada for stylegan2 and stylegan3,
                         as NVIDIA's train.py; noaug for stylegan)
  --p F                  fixed augmentation strength in [0, 1] (--aug fixed only)
  --target F             ADA's target for r_t = E[sign(D(real))] (default 0.6)
  --augpipe NAME         ${AUGPIPE_NAMES.join(' | ')} (default bgc:
                         blit, geometric and colour transforms)
  --ada-kimg N           ada: kimg for p to move by 1 (NVIDIA's ada_kimg: 500, 100 when fine-tuning);
                         also on --resume, where it replaces the run's`;

export const AUGMENT_FLAGS = { aug: { type: 'string' }, p: { type: 'string' }, target: { type: 'string' }, augpipe: { type: 'string' }, 'ada-kimg': { type: 'string' }, cond: { type: 'boolean' } } as const;

export const COND_HELP = `Labels:
  --cond                 stylegan2, stylegan3: class-conditional training on the data set's labels
                         (its dataset.json, NVIDIA's format, else one sub-folder per class);
                         generate and mix then take --class (index or name), serve shows the names`;

/** --cond: only for new stylegan2 / stylegan3 runs. */
export function checkCond(v: Record<string, string | boolean | undefined>, arch: string): boolean {
  if (!v.cond) return false;
  if (arch !== 'stylegan2' && arch !== 'stylegan3') throw new UsageError(`--cond is for --arch stylegan2 and stylegan3, not ${arch}`);
  return true;
}

/** --ada-kimg: ADA's adjustment speed, with --aug ada or on --resume (the loop checks the run uses ada). */
export function parseAdaKimg(v: Record<string, string | boolean | undefined>): number | undefined {
  const s = v['ada-kimg'] as string | undefined;
  if (s === undefined) return undefined;
  if (v.resume === undefined && v.aug !== 'ada') throw new UsageError('--ada-kimg can only be given with --aug ada (or on --resume of an ada run)');
  return parseNumber(s, 'ada-kimg', { min: 0.001 });
}

/**
 * The options (a resumed run keeps its checkpoint's). minResolution: the smallest image D sees;
 * defaultMode: NVIDIA's default (ada) for StyleGAN2/3, noaug where NVIDIA's code has no ADA.
 */
export function parseAugment(v: Record<string, string | boolean | undefined>, minResolution: number, defaultMode: AugMode = 'noaug'): AugmentOptions {
  const str = (k: string) => v[k] as string | undefined;
  const mode = parseChoice(str('aug'), 'aug', ['ada', 'noaug', 'fixed'] as const, defaultMode);
  if (str('p') !== undefined && mode !== 'fixed') throw new UsageError('--p can only be given with --aug fixed');
  if (mode === 'fixed' && str('p') === undefined) throw new UsageError('--aug fixed needs --p');
  if (str('target') !== undefined && mode !== 'ada') throw new UsageError('--target can only be given with --aug ada');
  if (str('augpipe') !== undefined && mode === 'noaug') throw new UsageError('--augpipe cannot be given with --aug noaug');
  const pipe = parseChoice(str('augpipe'), 'augpipe', AUGPIPE_NAMES, 'bgc') as AugpipeName;
  const taps = HZ_FBANK[0].length >> 1;
  if (mode !== 'noaug' && stagesOf(augmentSpec(pipe)).filter && minResolution <= taps) {
    throw new UsageError(`--augpipe ${pipe} filters images, which needs D's inputs larger than ${taps} px (smallest here: ${minResolution})`);
  }
  return {
    ...DEFAULT_AUGMENT, mode, pipe,
    p: mode === 'fixed' ? parseNumber(str('p'), 'p', { min: 0, max: 1 }) : 0,
    target: parseNumber(str('target'), 'target', { min: 0, max: 1, def: DEFAULT_AUGMENT.target }),
  };
}
