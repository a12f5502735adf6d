/**
 * Training hyperparameters of each baseline, as its reference sets them (PyTorch-GAN's argparse
 * defaults; WGAN-GP: Gulrajani et al.'s Algorithm 1; VAE: pytorch/examples). Printed at start.
 */
import type { BaselineArch } from '../../networks/baselines/config.js';

export interface BaselineHyperParams {
  /** Which objective (the config's arch). */
  baseline: BaselineArch;
  batch: number;
  seed: number;
  optimizer: 'adam' | 'rmsprop';
  lrG: number;
  lrD: number;
  /** Adam betas (unused by RMSprop). */
  beta1: number;
  beta2: number;
  /** Critic steps per generator step (WGAN, WGAN-GP); 1 = alternate. */
  nCritic: number;
  /** WGAN weight clipping bound; 0 = none. */
  clip: number;
  /** Gradient-penalty weight lambda (WGAN-GP, DRAGAN); 0 = none. */
  gpLambda: number;
  /** BEGAN diversity ratio gamma and k's learning rate lambda_k. */
  gamma: number;
  lambdaK: number;
}

const PYTORCH_GAN = { batch: 64, seed: 0, optimizer: 'adam', lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999, nCritic: 1, clip: 0, gpLambda: 0, gamma: 0, lambdaK: 0 } as const;

export const BASELINE_HYPER: Record<BaselineArch, BaselineHyperParams> = {
  gan: { ...PYTORCH_GAN, baseline: 'gan' },
  dcgan: { ...PYTORCH_GAN, baseline: 'dcgan' },
  lsgan: { ...PYTORCH_GAN, baseline: 'lsgan' },
  dragan: { ...PYTORCH_GAN, baseline: 'dragan', gpLambda: 10 },
  began: { ...PYTORCH_GAN, baseline: 'began', gamma: 0.75, lambdaK: 1e-3 },
  aae: { ...PYTORCH_GAN, baseline: 'aae' },
  wgan: { ...PYTORCH_GAN, baseline: 'wgan', optimizer: 'rmsprop', lrG: 5e-5, lrD: 5e-5, nCritic: 5, clip: 0.01 },
  // Gulrajani et al. (Algorithm 1): Adam(1e-4, 0, 0.9), n_critic 5, lambda 10 (PyTorch-GAN keeps DCGAN's Adam).
  'wgan-gp': { ...PYTORCH_GAN, baseline: 'wgan-gp', lrG: 1e-4, lrD: 1e-4, beta1: 0, beta2: 0.9, nCritic: 5, gpLambda: 10 },
  vae: { ...PYTORCH_GAN, baseline: 'vae', batch: 128, lrG: 1e-3, lrD: 0, beta1: 0.9, beta2: 0.999 },
};

/** One line with every setting that matters for this arch. */
export function describeBaseline(h: BaselineHyperParams): string {
  const opt = h.optimizer === 'rmsprop' ? `RMSprop lr ${h.lrG}` : `Adam lr ${h.lrG} betas (${h.beta1}, ${h.beta2})`;
  const parts = [`${h.baseline}: ${LOSS_NAMES[h.baseline]}`, opt];
  if (h.nCritic > 1) parts.push(`${h.nCritic} critic steps per G step`);
  if (h.clip > 0) parts.push(`D weights clipped to +-${h.clip}`);
  if (h.gpLambda > 0) parts.push(`gradient penalty lambda ${h.gpLambda}`);
  if (h.baseline === 'began') parts.push(`gamma ${h.gamma}, lambda_k ${h.lambdaK}`);
  return parts.join(', ');
}

const LOSS_NAMES: Record<BaselineArch, string> = {
  gan: 'BCE (minimax, non-saturating G), MLP G and D',
  dcgan: 'BCE, DCGAN conv G and D',
  lsgan: 'least squares (0-1-1), DCGAN conv G and D',
  dragan: 'BCE + gradient penalty around perturbed reals, DCGAN conv G and D',
  began: 'L1 autoencoder energy with equilibrium k, DCGAN G, autoencoder D',
  aae: '0.999 L1 reconstruction + 0.001 BCE prior matching on the code, MLP encoder/decoder/D',
  wgan: 'Wasserstein critic with weight clipping, MLP G and critic',
  'wgan-gp': 'Wasserstein critic with gradient penalty, MLP G and critic',
  vae: 'negative ELBO (Bernoulli BCE + KL), MLP encoder/decoder, no D',
};
