/**
 * GAN losses of the StyleGAN paper (sec. 4 / appendix C): non-saturating logistic with R1
 * (Mescheder et al. 2018) and WGAN-GP with epsilon drift (Gulrajani et al. 2017; ProGAN).
 */
import * as tf from '@tensorflow/tfjs-core';

export type LossName = 'nsgan-r1' | 'wgan-gp';

type D = (img: tf.Tensor4D) => tf.Tensor2D;

/** G: softplus(-D(G(z))) (non-saturating) or -D(G(z)) (WGAN). */
export function generatorLoss(loss: LossName, fakeLogits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => (loss === 'wgan-gp' ? tf.neg(tf.mean(fakeLogits)) : tf.mean(tf.softplus(tf.neg(fakeLogits)))) as tf.Scalar);
}

export interface DLossTerms {
  total: tf.Scalar;
  /** The adversarial part alone. */
  gan: tf.Scalar;
  /** R1 penalty or gradient penalty (before weighting). */
  penalty: tf.Scalar;
}

/** E ||grad_x D(x)||^2 per sample, [N]. A gradient of a gradient follows when this is differentiated. */
export function gradNormSquared(d: D, x: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const g = tf.grad((inp: tf.Tensor) => tf.sum(d(inp as tf.Tensor4D)))(x);
    return tf.sum(tf.square(g), [1, 2, 3]) as tf.Tensor1D;
  });
}

export interface DLossOptions {
  /** R1 gamma (NS loss), default 10. */
  r1Gamma?: number;
  /** WGAN-GP lambda (10), target norm (1) and drift (0.001). */
  gpLambda?: number;
  gpTarget?: number;
  drift?: number;
  /** Interpolation weights in [0, 1] per sample for WGAN-GP, [N]. */
  mixWeights?: tf.Tensor1D;
}

export function discriminatorLoss(loss: LossName, d: D, reals: tf.Tensor4D, fakes: tf.Tensor4D, o: DLossOptions = {}): DLossTerms {
  return tf.tidy(() => {
    const realLogits = d(reals), fakeLogits = d(fakes);
    if (loss === 'nsgan-r1') {
      const gan = tf.mean(tf.add(tf.softplus(fakeLogits), tf.softplus(tf.neg(realLogits)))) as tf.Scalar;
      const gamma = o.r1Gamma ?? 10;
      const penalty = gamma > 0 ? (tf.mean(gradNormSquared(d, reals)) as tf.Scalar) : tf.scalar(0);
      return { gan, penalty, total: tf.add(gan, tf.mul(penalty, gamma / 2)) as tf.Scalar };
    }
    const n = reals.shape[0];
    const u = o.mixWeights ?? tf.randomUniform([n]);
    const uu = tf.reshape(u, [n, 1, 1, 1]);
    const mixed = tf.add(reals, tf.mul(tf.sub(fakes, reals), uu)) as tf.Tensor4D;
    const norm = tf.sqrt(tf.add(gradNormSquared(d, mixed), 1e-8));
    const target = o.gpTarget ?? 1;
    const penalty = tf.mean(tf.square(tf.div(tf.sub(norm, target), target))) as tf.Scalar;
    const gan = tf.mean(tf.sub(fakeLogits, realLogits)) as tf.Scalar;
    const drift = tf.mul(tf.mean(tf.square(realLogits)), o.drift ?? 0.001);
    return { gan, penalty, total: tf.add(tf.add(gan, tf.mul(penalty, o.gpLambda ?? 10)), drift) as tf.Scalar };
  });
}
