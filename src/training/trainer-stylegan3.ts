/**
 * The `stylegan3` arch trainer: NVlabs/stylegan3's training_loop.py with StyleGAN2Loss as
 * train.py configures it for stylegan3-t/-r: Gmain (non-saturating), Dmain (non-saturating;
 * its fake pass updates w_avg and every layer's input magnitude EMA, NVIDIA's update_emas),
 * Dreg (R1 every dRegInterval steps, lazy). No path length regularization and no style mixing.
 * For R, D sees its inputs blurred by a Gaussian whose sigma fades from 10 to 0. With --aug, D's
 * inputs are augmented before the blur (run_D's order); with --cond, G's mapping embeds the labels
 * and D projects them, as StyleGAN2's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type StyleGAN3Config, discriminatorConfig } from '../networks/stylegan3/config.js';
import { StyleGAN3Generator } from '../networks/stylegan3/generator.js';
import { StyleGAN2Discriminator } from '../networks/stylegan2/discriminator.js';
import { upfirdn2d } from '../networks/stylegan2/ops.js';
import type { SchedulePoint } from './schedule.js';
import { TrainerBase, trackWAvg, type DataInfo, type StepStats } from './trainer-base.js';
import { lazyAdam } from './trainer-stylegan2.js';
import type { Stylegan3HyperParams } from './stylegan3-presets.js';

/** StyleGAN2Loss's blur sigma at `nimg`: max(1 - nimg / (fade kimg * 1e3), 0) * init. */
export function blurSigmaAt(nimg: number, h: Pick<Stylegan3HyperParams, 'blurInitSigma' | 'blurFadeKimg'>): number {
  return h.blurFadeKimg > 0 ? Math.max(1 - nimg / (h.blurFadeKimg * 1e3), 0) * h.blurInitSigma : 0;
}

/** run_D's blur: filter2d with taps 2^-(x / sigma)^2 for |x| <= floor(3 sigma), normalised; same size out. */
export function blurImages(img: tf.Tensor4D, sigma: number): tf.Tensor4D {
  const size = Math.floor(sigma * 3);
  if (!(size > 0)) return img;
  const taps = Array.from({ length: 2 * size + 1 }, (_, i) => 2 ** -(((i - size) / sigma) ** 2));
  const s = taps.reduce((a, b) => a + b, 0);
  const n = taps.length, k = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k[i * n + j] = (taps[i] / s) * (taps[j] / s);
  return upfirdn2d(img, { k, size: n }, { padding: [size, size, size, size] });
}


export class Stylegan3Trainer extends TrainerBase<StyleGAN3Config, Stylegan3HyperParams, StyleGAN3Generator, StyleGAN2Discriminator> {
  lastR1 = 0;

  constructor(cfg: StyleGAN3Config, hyper: Stylegan3HyperParams, data: DataInfo) {
    super(cfg, hyper, data, { G: (r) => new StyleGAN3Generator(cfg, r), D: (r) => new StyleGAN2Discriminator(discriminatorConfig(cfg), r) },
      lazyAdam(hyper.lrG, 0), lazyAdam(hyper.lrD, hyper.dRegInterval));
  }

  schedule(): SchedulePoint {
    return { res: this.cfg.imgResolution, alpha: 1 };
  }

  emaImages(z: tf.Tensor2D, c?: tf.Tensor2D): tf.Tensor4D {
    return this.Gema.forward(z, { c });
  }

  protected stepBody(): () => StepStats {
    const n = this.hyper.batch, h = this.hyper;
    const dreg = h.r1Gamma !== 0 && h.dRegInterval > 0 && this.step % h.dRegInterval === 0;
    const gVars = [...this.G.store.vars.values()], dVars = [...this.D.store.vars.values()];
    const sigma = blurSigmaAt(this.nimg, h);
    // run_D: augment (ADA, when on), then blur; D projects the labels c of conditional networks.
    const D = (img: tf.Tensor4D, c: tf.Tensor2D | null) => this.D.forward(blurImages(this.augmentForD(img), sigma), c);
    const reals = this.drawReals(n);
    const realC = this.labelsOf(this.lastRealIndices);

    // Gmain: softplus(-D(G(z))).
    let lossG = 0;
    {
      const z = this.latents(n), c = this.fakeLabels(n);
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.softplus(tf.neg(D(this.G.forward(z, { c: c ?? undefined }), c)))) as tf.Scalar, gVars);
      this.reads.scalar(value, (v) => { lossG = v; });
      this.applyClean(this.optG, grads, gVars);
      tf.dispose([z, c, grads].filter((t) => t !== null));
    }

    // Dmain: softplus(D(G(z))) + softplus(-D(x)); the fake pass updates G's EMAs (w_avg, input magnitudes).
    let lossD = 0;
    const realImg = reals();
    {
      const z = this.latents(n), c = this.fakeLabels(n);
      const fakes = tf.tidy(() => {
        const w = this.G.mapping.forwardW(z, c);
        trackWAvg(this.G.wAvg, tf.mean(w, 0) as tf.Tensor1D, this.cfg.mapping.wAvgBeta);
        const ws = tf.tile(tf.expandDims(w, 1), [1, this.G.numWs, 1]) as tf.Tensor3D;
        return this.G.synthesis.forward(ws, { updateEmas: true });
      });
      const { value, grads } = tf.variableGrads(() => this.dMainLoss(D, fakes, c, realImg, realC), dVars);
      this.reads.scalar(value, (v) => { lossD = v; });
      this.applyClean(this.optD, grads, dVars);
      tf.dispose([z, fakes, grads, ...(c ? [c] : [])]);
    }

    // Dreg: R1 = gamma / 2 * ||grad_x D(blur(x))||^2 on the same reals, weighted by the interval.
    if (dreg) {
      const { value, grads } = tf.variableGrads(() => {
        const penalty = this.r1Penalty(D, realImg, realC);
        this.reads.scalar(penalty, (v) => { this.lastR1 = v; });
        return tf.mul(penalty, (h.r1Gamma / 2) * h.dRegInterval) as tf.Scalar;
      }, dVars);
      this.applyClean(this.optD, grads, dVars);
      tf.dispose([value, grads]);
    }
    realImg.dispose();
    realC?.dispose();

    this.updateEma(n, h.emaKimg, h.emaRampup, this.nimg);
    this.nimg += n;
    this.step++;
    return () => {
      this.afterStep(n);
      return { lossG, lossD, penalty: this.lastR1, extra: sigma > 0 ? { blurSigma: sigma } : undefined };
    };
  }

}
