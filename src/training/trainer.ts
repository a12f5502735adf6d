/**
 * One StyleGAN training session (NVIDIA's training_loop.py, reduced to its ideas): per
 * minibatch a D step (loss + R1 or GP) and a G step, style mixing, the w_avg tracker, the
 * G_ema moving average and the progressive-growing schedule. Every random draw comes from
 * one MT19937 whose state is checkpointed, so a resumed run continues exactly.
 */
import * as tf from '@tensorflow/tfjs';
import type { StyleGANConfig } from '../networks/config.js';
import { Generator, mixStyles } from '../networks/generator.js';
import { Discriminator } from '../networks/discriminator-stylegan.js';
import type { RawTensor } from '../networks/params.js';
import { Adam, STYLEGAN_ADAM } from './adam.js';
import { discriminatorLoss, generatorLoss, type LossName } from './losses.js';
import { activeWs, scheduleAt, type GrowthOptions, type SchedulePoint } from './schedule.js';
import { RandomState, type RandomStateSnapshot } from '../sampling/rng.js';
import type { Snapshot } from '../io/snapshot.js';
import { downsample2d, upsample2d } from '../ops/resample.js';

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

/** Real images at the final resolution, [N, R, R, 3] in [-1, 1]. */
export type RealSampler = (indices: number[], flips: boolean[]) => Float32Array;

export interface DataInfo {
  numImages: number;
  mirror: boolean;
  sample: RealSampler;
}

export interface StepStats {
  lossG: number;
  lossD: number;
  penalty: number;
}

export interface TrainingState {
  nimg: number;
  step: number;
  rng: RandomStateSnapshot;
  adamStepG: number;
  adamStepD: number;
  hyper: TrainHyperParams;
}

export class Trainer {
  readonly G: Generator;
  readonly Gema: Generator;
  readonly D: Discriminator;
  readonly optG: Adam;
  readonly optD: Adam;
  rng: RandomState;
  nimg = 0;
  step = 0;

  constructor(readonly cfg: StyleGANConfig, readonly hyper: TrainHyperParams, readonly data: DataInfo) {
    this.rng = new RandomState(hyper.seed >>> 0);
    const uniform = () => this.rng.randomSample();
    this.G = new Generator(cfg, uniform);
    this.D = new Discriminator(cfg, uniform);
    this.Gema = new Generator(cfg, uniform);
    this.Gema.store.copyFrom(this.G.store);
    this.optG = new Adam(this.G.store, { lr: hyper.lrG, ...STYLEGAN_ADAM });
    this.optD = new Adam(this.D.store, { lr: hyper.lrD, ...STYLEGAN_ADAM });
  }

  get kimg(): number {
    return this.nimg / 1000;
  }

  schedule(): SchedulePoint {
    return scheduleAt(this.kimg, this.cfg.imgResolution, this.hyper.growth);
  }

  private latents(n: number): tf.Tensor2D {
    return tf.tensor2d(Float32Array.from(this.rng.randn(n, this.cfg.zDim)), [n, this.cfg.zDim]);
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
    const idx = Array.from({ length: n }, () => this.rng.randomInterval(this.data.numImages - 1));
    const flips = Array.from({ length: n }, () => this.data.mirror && this.rng.randomSample() < 0.5);
    const full = this.cfg.imgResolution;
    return tf.tidy(() => {
      let x = tf.tensor4d(this.data.sample(idx, flips), [n, full, full, this.cfg.imgChannels]);
      for (let r = full; r > res; r /= 2) x = downsample2d(x);
      if (alpha < 1 && res > 4) x = tf.add(upsample2d(downsample2d(x)), tf.mul(tf.sub(x, upsample2d(downsample2d(x))), alpha));
      return x;
    });
  }

  /** One minibatch: D step, then G step, w_avg and EMA updates. */
  trainStep(): StepStats {
    const n = this.hyper.batch;
    const sched = this.schedule();
    const synthOpts = { res: sched.res, alpha: sched.alpha, noiseMode: 'random' as const };
    const dOpts = { res: sched.res, alpha: sched.alpha };
    const dFn = (img: tf.Tensor4D) => this.D.forward(img, dOpts);

    // D step: fakes are computed outside the tape since D's gradients do not need G's.
    const reals = this.reals(n, sched);
    const fakes = tf.tidy(() => this.G.synthesis.forward(this.trainingWs(n, sched.res), { ...synthOpts, noiseSeed: this.rng.nextUint32() }));
    const mixWeights = this.hyper.loss === 'wgan-gp' ? tf.tensor1d(Float32Array.from(this.rng.randomSampleArray(n))) : undefined;
    let penalty = 0, lossD = 0;
    const dStep = tf.variableGrads(() => {
      const terms = discriminatorLoss(this.hyper.loss, dFn, reals, fakes, { r1Gamma: this.hyper.r1Gamma, mixWeights });
      penalty = terms.penalty.dataSync()[0];
      lossD = terms.gan.dataSync()[0];
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
    const lossG = gStep.value.dataSync()[0];
    this.optG.apply(gStep.grads);
    tf.dispose([gStep.value, gStep.grads]);

    // w_avg <- lerp(batch mean of w, w_avg, beta), as NVIDIA's dlatent_avg.
    tf.tidy(() => this.G.wAvg.assign(tf.add(batchW!, tf.mul(tf.sub(this.G.wAvg, batchW!), this.hyper.wAvgBeta))));
    tf.dispose(batchW!);

    this.nimg += n;
    this.step++;
    this.updateEma(n);
    return { lossG, lossD, penalty };
  }

  /** G_ema <- lerp(G, G_ema, 0.5^(batch / half-life)); buffers (w_avg, stored noise) are copied. */
  private updateEma(n: number): void {
    let emaNimg = this.hyper.emaKimg * 1000;
    if (this.hyper.emaRampup) emaNimg = Math.min(emaNimg, this.nimg * this.hyper.emaRampup);
    const beta = 0.5 ** (n / Math.max(emaNimg, 1e-8));
    tf.tidy(() => {
      for (const [name, p] of this.G.store.vars) {
        const e = this.Gema.store.vars.get(name)!;
        e.assign(tf.add(p, tf.mul(tf.sub(e, p), beta)));
      }
      for (const [name, b] of this.G.store.buffers) this.Gema.store.buffers.get(name)!.assign(b);
    });
  }

  toSnapshot(): Snapshot {
    const training: TrainingState = {
      nimg: this.nimg, step: this.step, rng: this.rng.getState(),
      adamStepG: this.optG.step, adamStepD: this.optD.step, hyper: this.hyper,
    };
    return {
      config: this.cfg,
      training: { ...training },
      modules: { G: this.G.store.toRaw(), G_ema: this.Gema.store.toRaw(), D: this.D.store.toRaw(), optG: this.optG.toRaw(), optD: this.optD.toRaw() },
    };
  }

  /** Restores everything a snapshot holds; the trainer must have been built with its config. */
  loadSnapshot(s: Snapshot, source: string): void {
    const t = s.training as TrainingState | undefined;
    const need = (m: Record<string, RawTensor> | undefined, what: string) => {
      if (!m) throw new Error(`${source}: cannot resume, the checkpoint has no ${what}`);
      return m;
    };
    if (!t || typeof t.nimg !== 'number') throw new Error(`${source}: cannot resume, the checkpoint has no training state`);
    this.G.store.loadRaw(need(s.modules.G, 'G'), `${source} (G)`);
    this.Gema.store.loadRaw(need(s.modules.G_ema, 'G_ema'), `${source} (G_ema)`);
    this.D.store.loadRaw(need(s.modules.D, 'D'), `${source} (D)`);
    this.optG.loadRaw(need(s.modules.optG, 'optG'), t.adamStepG, `${source} (optG)`);
    this.optD.loadRaw(need(s.modules.optD, 'optD'), t.adamStepD, `${source} (optD)`);
    this.rng.setState(t.rng);
    this.nimg = t.nimg;
    this.step = t.step;
  }

  dispose(): void {
    for (const m of [this.G, this.Gema, this.D, this.optG, this.optD]) m.dispose();
  }
}
