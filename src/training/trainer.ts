/**
 * One StyleGAN training session (NVIDIA's training_loop.py, reduced to its ideas): per
 * minibatch a D step (loss + R1 or GP) and a G step, style mixing, the w_avg tracker, the
 * G_ema moving average and the progressive-growing schedule. Every random draw comes from
 * one MT19937 whose state is checkpointed, so a resumed run continues exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StyleGANConfig } from '../networks/stylegan/config.js';
import { Generator } from '../networks/stylegan/generator.js';
import { mixStyles } from '../networks/mix-styles.js';
import { Discriminator } from '../networks/stylegan/discriminator.js';
import { STYLEGAN_ADAM } from './adam.js';
import { discriminatorLoss, generatorLoss, type LossName } from './losses.js';
import { activeWs, scheduleAt, type GrowthOptions, type SchedulePoint } from './schedule.js';
import { downsample2d, upsample2d } from '../ops/resample.js';
import { TrainerBase, trackWAvg, type DataInfo, type StepStats, type TrainingState as BaseTrainingState } from './trainer-base.js';

export type { DataInfo, RealSampler, StepStats } from './trainer-base.js';
export type TrainingState = BaseTrainingState<TrainHyperParams>;

export interface TrainHyperParams {
  /** Minibatch size. */
  batch: number;
  lrG: number;
  lrD: number;
  loss: LossName;
  r1Gamma: number;
  /** Probability of style mixing regularization (0.9). */
  mixing: number;
  /** G_ema half-life in kimg (10). */
  emaKimg: number;
  /**
   * Half-life ramp-up (NVIDIA's ema_rampup): the half-life is at most this fraction of the
   * images seen so far, so early G_ema is not an average over long-gone (lower-resolution)
   * generators. 0 = off (the 2019 paper).
   */
  emaRampup?: number;
  /** w_avg tracking decay (0.995). */
  wAvgBeta: number;
  growth: GrowthOptions;
  /** Seed of the whole run: initialisation, latents, noise, data order. */
  seed: number;
}

export const DEFAULT_HYPER: TrainHyperParams = {
  batch: 16, lrG: 0.002, lrD: 0.002, loss: 'nsgan-r1', r1Gamma: 10, mixing: 0.9, emaKimg: 10, emaRampup: 0.05, wAvgBeta: 0.995,
  growth: { enabled: false, initialResolution: 8, stabilizeKimg: 600, transitionKimg: 600 }, seed: 0,
};

/** The `stylegan` arch (2019): D and G step per minibatch, progressive growing. */
export class Trainer extends TrainerBase<StyleGANConfig, TrainHyperParams, Generator, Discriminator> {
  constructor(cfg: StyleGANConfig, hyper: TrainHyperParams, data: DataInfo) {
    super(cfg, hyper, data, { G: (r) => new Generator(cfg, r), D: (r) => new Discriminator(cfg, r) },
      { lr: hyper.lrG, ...STYLEGAN_ADAM }, { lr: hyper.lrD, ...STYLEGAN_ADAM });
  }

  /** G_ema at the schedule's resolution and fade, upsampled to the full resolution. */
  emaImages(z: tf.Tensor2D): tf.Tensor4D {
    const { res, alpha } = this.schedule();
    return tf.tidy(() => {
      let x = this.Gema.forward(z, { res, alpha, noiseMode: 'const' });
      for (let r = res; r < this.cfg.imgResolution; r *= 2) x = upsample2d(x);
      return x;
    });
  }

  schedule(): SchedulePoint {
    return scheduleAt(this.kimg, this.cfg.imgResolution, this.hyper.growth);
  }

  /** ws for a training batch, with style mixing (NVIDIA's G_style: one crossover per minibatch). */
  private trainingWs(n: number, res: number): tf.Tensor3D {
    const ws = this.G.mappingForward(this.latents(n));
    if (this.hyper.mixing <= 0 || this.rng.randomSample() >= this.hyper.mixing) return ws;
    const cur = Math.min(activeWs(res), this.G.numWs);
    if (cur < 2) return ws;
    const crossover = 1 + Math.floor(this.rng.randomSample() * (cur - 1));
    return mixStyles(ws, this.G.mappingForward(this.latents(n)), crossover);
  }

  /** Reals at the schedule's resolution, faded like the generator's output during growth. */
  private reals(n: number, { res, alpha }: SchedulePoint): tf.Tensor4D {
    const build = this.drawReals(n);
    const full = this.cfg.imgResolution;
    return tf.tidy(() => {
      let x = build();
      for (let r = full; r > res; r /= 2) x = downsample2d(x);
      if (alpha < 1 && res > 4) x = tf.add(upsample2d(downsample2d(x)), tf.mul(tf.sub(x, upsample2d(downsample2d(x))), alpha));
      return x;
    });
  }

  /** One minibatch: D step, then G step, w_avg and EMA updates (reads deferred to the step's end). */
  protected stepBody(): () => StepStats {
    const n = this.hyper.batch;
    const sched = this.schedule();
    const synthOpts = { res: sched.res, alpha: sched.alpha, noiseMode: 'random' as const };
    const dOpts = { res: sched.res, alpha: sched.alpha };
    // D step: fakes are computed outside the tape since D's gradients do not need G's.
    const reals = this.reals(n, sched);
    const dFn = (img: tf.Tensor4D) => {
      const logits = this.D.forward(this.augmentForD(img), dOpts);
      if (img === reals) this.reportRealLogits(logits);
      return logits;
    };
    const fakes = tf.tidy(() => this.G.synthesis.forward(this.trainingWs(n, sched.res), { ...synthOpts, noiseSeed: this.rng.nextUint32() }));
    const mixWeights = this.hyper.loss === 'wgan-gp' ? tf.tensor1d(Float32Array.from(this.rng.randomSampleArray(n))) : undefined;
    let penalty = 0, lossD = 0;
    const dStep = tf.variableGrads(() => {
      const terms = discriminatorLoss(this.hyper.loss, dFn, reals, fakes, { r1Gamma: this.hyper.r1Gamma, mixWeights });
      this.reads.scalar(terms.penalty, (v) => { penalty = v; });
      this.reads.scalar(terms.gan, (v) => { lossD = v; });
      return terms.total;
    }, [...this.D.store.vars.values()]);
    this.optD.apply(dStep.grads);
    tf.dispose([reals, fakes, mixWeights, dStep.value, dStep.grads]);

    // G step.
    const noiseSeed = this.rng.nextUint32();
    let batchW: tf.Tensor1D | null = null;
    const gStep = tf.variableGrads(() => {
      const ws = this.trainingWs(n, sched.res);
      batchW = tf.keep(tf.mean(tf.slice(ws, [0, 0, 0], [n, 1, -1]), [0, 1]) as tf.Tensor1D);
      return generatorLoss(this.hyper.loss, dFn(this.G.synthesis.forward(ws, { ...synthOpts, noiseSeed })));
    }, [...this.G.store.vars.values()]);
    let lossG = 0;
    this.reads.scalar(gStep.value, (v) => { lossG = v; });
    this.optG.apply(gStep.grads);
    tf.dispose(gStep.grads);

    // w_avg <- lerp(batch mean of w, w_avg, beta), as NVIDIA's dlatent_avg.
    trackWAvg(this.G.wAvg, batchW!, this.hyper.wAvgBeta);
    tf.dispose(batchW!);

    this.nimg += n;
    this.step++;
    // After counting the batch (NVIDIA's 2019 loop; stylegan2-ada ramps on the count before it).
    this.updateEma(n, this.hyper.emaKimg, this.hyper.emaRampup, this.nimg);
    return () => {
      this.afterStep(n);
      return { lossG, lossD, penalty };
    };
  }
}
