/**
 * The objectives of the baseline models, as pure functions of network outputs (tests check each
 * against its closed form). Discriminators return logits; the sigmoid of the references' BCE
 * models is folded into the loss: BCE(sigmoid(l), t) = softplus(l) - t l.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Mean binary cross-entropy of sigmoid(logits) against a constant target t (1 = real, 0 = fake). */
export function bceWithLogits(logits: tf.Tensor, target: number): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sub(tf.softplus(logits), tf.mul(logits, target))) as tf.Scalar);
}

/** LSGAN (Mao et al. 2017), a-b-c = 0-1-1 as PyTorch-GAN: mean (D(x) - target)^2. */
export function leastSquares(pred: tf.Tensor, target: number): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(pred, target))) as tf.Scalar);
}

/** WGAN critic loss (Arjovsky et al. 2017): -E D(x) + E D(G(z)); the generator's is -E D(G(z)). */
export function wassersteinCritic(realScores: tf.Tensor, fakeScores: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(tf.neg(tf.mean(realScores)), tf.mean(fakeScores)) as tf.Scalar);
}

export function wassersteinGenerator(fakeScores: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(fakeScores)) as tf.Scalar);
}

/** Per-sample gradient norm ||d sum(f(x)) / dx||_2, [N]; differentiable again (gradient penalties). */
export function inputGradientNorm(f: (x: tf.Tensor4D) => tf.Tensor, x: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const g = tf.grad((inp: tf.Tensor) => tf.sum(f(inp as tf.Tensor4D)))(x);
    // The epsilon keeps the norm's gradient finite at a zero gradient (torch's norm uses 0 there).
    return tf.sqrt(tf.add(tf.sum(tf.square(g), [1, 2, 3]), 1e-12)) as tf.Tensor1D;
  });
}

/**
 * WGAN-GP (Gulrajani et al. 2017): E (||grad D(x_hat)|| - 1)^2 at x_hat = a x + (1 - a) G(z), one
 * a ~ U[0, 1] per sample ([N]). Unweighted: the caller multiplies by lambda (10).
 */
export function wganGradientPenalty(d: (x: tf.Tensor4D) => tf.Tensor, reals: tf.Tensor4D, fakes: tf.Tensor4D, alpha: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const a = tf.reshape(alpha, [-1, 1, 1, 1]);
    const xHat = tf.add(tf.mul(a, reals), tf.mul(tf.sub(1, a), fakes)) as tf.Tensor4D;
    return tf.mean(tf.square(tf.sub(inputGradientNorm(d, xHat), 1))) as tf.Scalar;
  });
}

/**
 * DRAGAN (Kodali et al. 2017) as PyTorch-GAN: x_p = x + 0.5 std(x) u (u ~ U[0, 1] per element),
 * x_hat = a x + (1 - a) x_p (a ~ U[0, 1] per element), penalty E (||grad D(x_hat)|| - 1)^2 on D's
 * probability output sigmoid(logit). The norm is per sample over all pixels (the paper's; the
 * reference's norm(2, dim=1) takes it over channels only). Unweighted: lambda (10) by the caller.
 */
export function draganGradientPenalty(dLogits: (x: tf.Tensor4D) => tf.Tensor, reals: tf.Tensor4D, alpha: tf.Tensor4D, u: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const n = reals.size;
    const mean = tf.mean(reals);
    const std = tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(reals, mean))), Math.max(n - 1, 1))); // torch.std: unbiased
    const perturbed = tf.add(reals, tf.mul(tf.mul(std, 0.5), u));
    const xHat = tf.add(tf.mul(alpha, reals), tf.mul(tf.sub(1, alpha), perturbed)) as tf.Tensor4D;
    return tf.mean(tf.square(tf.sub(inputGradientNorm((x) => sigmoid2(dLogits(x)), xHat), 1))) as tf.Scalar;
  });
}

/**
 * sigmoid whose gradient can itself be differentiated. tfjs' Sigmoid gradient reads its saved
 * output, whose tape entry precedes the op's own, so a gradient of that gradient misses the path
 * through it (~10% off in tests); this gradient recomputes sigmoid from the input instead.
 */
export const sigmoid2 = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.sigmoid(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const s = tf.div(1, tf.add(1, tf.exp(tf.neg(saved[0]))));
      return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/** BEGAN (Berthelot et al. 2017) energy: mean |D(x) - x| of the autoencoding discriminator. */
export function beganEnergy(reconstruction: tf.Tensor, input: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(reconstruction, input))) as tf.Scalar);
}

/** BEGAN's proportional control of k and its convergence measure M (numbers, after each D step). */
export function beganUpdate(k: number, lossReal: number, lossFake: number, gamma: number, lambdaK: number): { k: number; M: number } {
  const diff = gamma * lossReal - lossFake;
  return { k: Math.min(Math.max(k + lambdaK * diff, 0), 1), M: lossReal + Math.abs(diff) };
}

/**
 * VAE negative ELBO per image, averaged over the batch (Kingma & Welling 2014, Bernoulli decoder):
 * sum over pixels of BCE(sigmoid(logits), (x + 1) / 2) + KL(N(mu, e^logvar) || N(0, I)),
 * KL = -1/2 sum(1 + logvar - mu^2 - e^logvar). Returns both terms too, for the logs.
 */
export function vaeLoss(logits: tf.Tensor2D, reals: tf.Tensor4D, mu: tf.Tensor2D, logvar: tf.Tensor2D): { total: tf.Scalar; recon: tf.Scalar; kl: tf.Scalar } {
  return tf.tidy(() => {
    const n = reals.shape[0];
    const target = tf.reshape(tf.div(tf.add(reals, 1), 2), logits.shape);
    const recon = tf.div(tf.sum(tf.sub(tf.softplus(logits), tf.mul(logits, target))), n) as tf.Scalar;
    const kl = tf.div(tf.mul(tf.sum(tf.sub(tf.sub(tf.add(logvar, 1), tf.square(mu)), tf.exp(logvar))), -0.5), n) as tf.Scalar;
    return { total: tf.add(recon, kl) as tf.Scalar, recon, kl };
  });
}

/** z = mu + e^(logvar / 2) eps: the reparameterisation trick, eps ~ N(0, I) given. */
export function reparameterize(mu: tf.Tensor2D, logvar: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.add(mu, tf.mul(tf.exp(tf.div(logvar, 2)), eps)));
}

/** AAE generator (encoder + decoder) loss as PyTorch-GAN: 0.001 BCE(D(code), real) + 0.999 mean |decoded - x|. */
export function aaeGeneratorLoss(codeLogits: tf.Tensor, decoded: tf.Tensor, reals: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mul(bceWithLogits(codeLogits, 1), 0.001), tf.mul(tf.mean(tf.abs(tf.sub(decoded, reals))), 0.999)) as tf.Scalar);
}
