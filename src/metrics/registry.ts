/**
 * Metric names, sample counts and definitions, as NVIDIA's stylegan2-ada-pytorch
 * metrics/metric_main.py (plus the legacy 50k variants), ProGAN's SWD and the StyleGAN
 * paper's linear separability. `maxReal` undefined = the whole data set.
 */

export type MetricKind = 'fid' | 'kid' | 'pr' | 'ppl' | 'is' | 'swd' | 'ls' | 'eq';
export type WeightsNeeded = 'inception' | 'vgg16' | 'classifiers' | 'custom' | null;

export interface MetricSpec {
  name: string;
  kind: MetricKind;
  weights: WeightsNeeded;
  /** Generated samples (PPL: path samples). */
  numGen: number;
  maxReal?: number;
  /** Whether real images are compared (FID, KID, PR, SWD). */
  needsReal: boolean;
  kid?: { numSubsets: number; maxSubsetSize: number };
  pr?: { nhoodSize: number };
  ppl?: { space: 'z' | 'w'; sampling: 'full' | 'end'; crop: boolean; epsilon: number };
  /** Equivariance (StyleGAN3): which transform. */
  eq?: 'int' | 'frac' | 'rot';
  summary: string;
}

const fid = (name: string, maxReal?: number): MetricSpec => ({
  name, kind: 'fid', weights: 'inception', numGen: 50000, maxReal, needsReal: true,
  summary: `Frechet Inception distance, 50k generated vs ${maxReal ? '50k' : 'all'} real`,
});
const kid = (name: string, maxReal: number): MetricSpec => ({
  name, kind: 'kid', weights: 'inception', numGen: 50000, maxReal, needsReal: true, kid: { numSubsets: 100, maxSubsetSize: 1000 },
  summary: `kernel Inception distance, 50k generated vs ${maxReal === 50000 ? '50k' : 'all'} real`,
});
const pr = (name: string, maxReal: number): MetricSpec => ({
  name, kind: 'pr', weights: 'vgg16', numGen: 50000, maxReal, needsReal: true, pr: { nhoodSize: 3 },
  summary: `precision and recall (k=3, VGG16 fc2), 50k generated vs ${maxReal === 50000 ? '50k' : 'all'} real`,
});
const ppl = (name: string, space: 'z' | 'w', sampling: 'full' | 'end', crop: boolean): MetricSpec => ({
  name, kind: 'ppl', weights: 'vgg16', numGen: 50000, needsReal: false, ppl: { space, sampling, crop, epsilon: 1e-4 },
  summary: `perceptual path length in ${space.toUpperCase()}, ${sampling === 'full' ? 'full paths' : 'path endpoints'}${crop ? ', face crop' : ''}`,
});

const LIST: MetricSpec[] = [
  fid('fid50k_full'),
  kid('kid50k_full', 1000000),
  pr('pr50k3_full', 200000),
  ppl('ppl_zfull', 'z', 'full', true),
  ppl('ppl_wfull', 'w', 'full', true),
  ppl('ppl_zend', 'z', 'end', true),
  ppl('ppl_wend', 'w', 'end', true),
  ppl('ppl2_wend', 'w', 'end', false),
  { name: 'is50k', kind: 'is', weights: 'inception', numGen: 50000, needsReal: false, summary: 'Inception Score of 50k generated images (10 splits)' },
  fid('fid50k', 50000),
  kid('kid50k', 50000),
  pr('pr50k3', 50000),
  { name: 'swd', kind: 'swd', weights: null, numGen: 16384, maxReal: 16384, needsReal: true, summary: 'multi-scale sliced Wasserstein distance x1e3 (ProGAN; no weights needed), 16k images' },
  { name: 'fid_custom', kind: 'fid', weights: 'custom', numGen: 50000, needsReal: true, summary: 'Frechet distance on features of your own TF.js network (--feature-net), 50k vs all real' },
  { name: 'eqt50k_int', kind: 'eq', weights: null, numGen: 50000, needsReal: false, eq: 'int', summary: 'StyleGAN3 equivariance to integer translation, PSNR in dB (EQ-T; no weights needed)' },
  { name: 'eqt50k_frac', kind: 'eq', weights: null, numGen: 50000, needsReal: false, eq: 'frac', summary: 'StyleGAN3 equivariance to fractional translation, PSNR in dB (EQ-T_frac; no weights needed)' },
  { name: 'eqr50k', kind: 'eq', weights: null, numGen: 50000, needsReal: false, eq: 'rot', summary: 'StyleGAN3 equivariance to rotation, PSNR in dB (EQ-R; no weights needed)' },
  { name: 'ls', kind: 'ls', weights: 'classifiers', numGen: 200000, needsReal: false, summary: 'linear separability (StyleGAN paper; needs the 40 CelebA-HQ attribute classifiers)' },
];

export const METRICS: Record<string, MetricSpec> = Object.fromEntries(LIST.map((m) => [m.name, m]));

/** Parses 'fid50k_full,swd' into specs; unknown names are an error listing the known ones. */
export function parseMetricList(list: string): MetricSpec[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new Error('no metrics given');
  return names.map((n) => {
    const m = METRICS[n];
    if (!m) throw new Error(`unknown metric '${n}' (known: ${Object.keys(METRICS).join(', ')})`);
    return m;
  });
}
