/**
 * What every arch's trainer shares (NVIDIA's training_loop.py plumbing): G, G_ema and D built
 * from one seeded MT19937 (whose state is checkpointed, so a resumed run continues exactly),
 * their Adam optimizers, real batches, the G_ema moving average with ramp-up, w_avg tracking,
 * and snapshot save/restore. The arch-specific step lives in the subclasses.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NetworkConfig } from '../networks/config.js';
import type { GeneratorLike } from '../networks/generator-api.js';
import type { ParamStore, RawTensor } from '../networks/params.js';
import { Adam, type AdamOptions } from './adam.js';
import type { SchedulePoint } from './schedule.js';
import { RandomState, type RandomStateSnapshot } from '../sampling/rng.js';
import type { Snapshot } from '../io/snapshot.js';
import { AdaptiveAugment, DEFAULT_AUGMENT, type AugmentOptions, type AugmentState } from './augment/ada.js';
import { rngDraws } from './augment/draws.js';
import { prefetchForSync } from '../backend/gpu-reads.js';
import { gradNormSquared } from './losses.js';
import { StepReads, runStepAsync, runStepSync } from './step-reads.js';

/** Real images at the final resolution, [N, R, R, 3] in [-1, 1]. */
export type RealSampler = (indices: number[], flips: boolean[]) => Float32Array;

export interface DataInfo {
  numImages: number;
  mirror: boolean;
  sample: RealSampler;
  /** Class labels, for conditional training: [n, dim] for the given images. */
  labels?: { dim: number; batch(indices: number[]): Float32Array };
}

export interface StepStats {
  lossG: number;
  lossD: number;
  penalty: number;
  /** Arch-specific numbers for stats.jsonl and the log (BEGAN's k and M, the VAE's terms). */
  extra?: Record<string, number>;
}

/** The hyperparameters every trainer reads. */
export interface BaseHyperParams {
  batch: number;
  /** Seed of the whole run: initialisation, latents, noise, data order. */
  seed: number;
  /** Augmentation of D's inputs (ADA); absent = none. */
  augment?: AugmentOptions;
}

export interface TrainingState<H = unknown> {
  nimg: number;
  step: number;
  rng: RandomStateSnapshot;
  adamStepG: number;
  adamStepD: number;
  hyper: H;
  /** ADA's p and its half-collected r_t. */
  augment?: AugmentState;
}

interface Net {
  readonly store: ParamStore;
  dispose(): void;
}

export interface NetFactories<GN, DN> {
  G: (random: () => number) => GN;
  D: (random: () => number) => DN;
}

/** What the training loop needs from a trainer of any arch. */
export interface TrainerLike {
  readonly cfg: NetworkConfig;
  readonly G: GeneratorLike & Net;
  readonly Gema: GeneratorLike & Net;
  readonly D: Net;
  readonly nimg: number;
  readonly step: number;
  readonly kimg: number;
  /** D's input augmentation and r_t (TrainerBase's trainers: present with --aug noaug too, then only measuring r_t). */
  readonly augment?: AdaptiveAugment;
  schedule(): SchedulePoint;
  trainStep(): StepStats;
  /** trainStep with its reads awaited (webgpu in Node has no synchronous reads); same numbers. */
  trainStepAsync(): Promise<StepStats>;
  /** Makes toSnapshot()'s synchronous reads possible on webgpu (awaits every tensor it reads). */
  prefetchState(): Promise<void>;
  /** G_ema's images for z (and labels c, conditional networks) at the full resolution (noise const), for the fakes grids. */
  emaImages(z: tf.Tensor2D, c?: tf.Tensor2D): tf.Tensor4D;
  toSnapshot(): Snapshot<NetworkConfig>;
  loadSnapshot(s: Snapshot<NetworkConfig>, source: string): void;
  dispose(): void;
}

/** D as a trainer's step runs it: its own input pipeline (augmentation, blur), labels for conditional networks. */
export type DiscriminatorFn = (img: tf.Tensor4D, c: tf.Tensor2D | null) => tf.Tensor2D;

export abstract class TrainerBase<C extends NetworkConfig, H extends BaseHyperParams, GN extends GeneratorLike & Net, DN extends Net> {
  readonly G: GN;
  readonly Gema: GN;
  readonly D: DN;
  readonly optG: Adam;
  readonly optD: Adam;
  rng: RandomState;
  nimg = 0;
  step = 0;
  readonly augment: AdaptiveAugment;

  constructor(readonly cfg: C, readonly hyper: H, readonly data: DataInfo, nets: NetFactories<GN, DN>, adamG: AdamOptions, adamD: AdamOptions) {
    this.rng = new RandomState(hyper.seed >>> 0, { exact: false });
    const uniform = () => this.rng.randomSample();
    // This order (G, D, then G_ema's throw-away init) fixes which draws initialise what.
    this.G = nets.G(uniform);
    this.D = nets.D(uniform);
    this.Gema = nets.G(uniform);
    this.Gema.store.copyFrom(this.G.store);
    this.optG = new Adam(this.G.store, adamG);
    this.optD = new Adam(this.D.store, adamD);
    this.augment = new AdaptiveAugment(hyper.augment ?? DEFAULT_AUGMENT);
  }

  /** What D sees of real or fake images: NVIDIA's run_D augments every call with fresh draws from the run's RNG. */
  protected augmentForD(img: tf.Tensor4D): tf.Tensor4D {
    return this.augment.apply(img, rngDraws(this.rng));
  }

  /** What the step reads back, deferred to its end (webgpu in Node has no dataSync). */
  protected readonly reads = new StepReads();

  /** One minibatch: its reads queued on {@link reads}; the returned function finishes the step once they are read. */
  protected abstract stepBody(): () => StepStats;

  trainStep(): StepStats {
    return runStepSync(this.reads, () => this.stepBody());
  }

  /** trainStep with its reads awaited (webgpu in Node); the same numbers. */
  trainStepAsync(): Promise<StepStats> {
    return runStepAsync(this.reads, () => this.stepBody());
  }

  /** Logits of D on (augmented) reals, for r_t (read at the end of the step). */
  protected reportRealLogits(logits: tf.Tensor): void {
    this.reads.later(logits, (v) => this.augment.reportReal(v));
  }

  /** Adam on `grads`, with zeros for the variables off the loss path (NVIDIA's `x * 0` terms); nan_to_num is Adam's `clip`. */
  protected applyClean(opt: { apply(g: tf.NamedTensorMap): void }, grads: tf.NamedTensorMap, vars: tf.Variable[]): void {
    const zeros: tf.NamedTensorMap = {};
    for (const v of vars) if (!grads[v.name]) zeros[v.name] = tf.zerosLike(v);
    opt.apply({ ...grads, ...zeros });
    tf.dispose(zeros);
  }

  /** StyleGAN2Loss's Dmain: softplus(D(fakes)) + softplus(-D(reals)); the real logits go to r_t. */
  protected dMainLoss(D: DiscriminatorFn, fakes: tf.Tensor4D, c: tf.Tensor2D | null, reals: tf.Tensor4D, realC: tf.Tensor2D | null): tf.Scalar {
    const fakeLogits = D(fakes, c), realLogits = D(reals, realC);
    this.reportRealLogits(realLogits);
    return tf.add(tf.mean(tf.softplus(fakeLogits)), tf.mean(tf.softplus(tf.neg(realLogits)))) as tf.Scalar;
  }

  /** StyleGAN2Loss's Dreg penalty before its weight: mean ||grad_x D(x)||^2 on the reals (their logits go to r_t too). */
  protected r1Penalty(D: DiscriminatorFn, reals: tf.Tensor4D, realC: tf.Tensor2D | null): tf.Scalar {
    return tf.mean(gradNormSquared((img) => {
      const logits = D(img, realC);
      this.reportRealLogits(logits);
      return logits;
    }, reals)) as tf.Scalar;
  }

  /** The end of a minibatch of n images, its reads done: ADA's adjustment (every `interval` steps). Call after step++. */
  protected afterStep(n: number): void {
    this.augment.afterStep(this.step, n);
  }

  async prefetchState(): Promise<void> {
    const nets = [this.G, this.Gema, this.D].flatMap((m) => [...m.store.vars.values(), ...m.store.buffers.values()]);
    await prefetchForSync([...nets, ...this.optG.tensors(), ...this.optD.tensors()]);
  }

  get kimg(): number {
    return this.nimg / 1000;
  }

  protected latents(n: number): tf.Tensor2D {
    return tf.tensor2d(Float32Array.from(this.rng.randn(n, this.cfg.zDim)), [n, this.cfg.zDim]);
  }

  /** The images of the last real batch drawn (their labels go with them). */
  protected lastRealIndices: number[] = [];

  /** Labels [n, dim] of the given data set images; null for an unconditional run. */
  protected labelsOf(indices: number[]): tf.Tensor2D | null {
    const l = this.data.labels;
    return l ? tf.tensor2d(l.batch(indices), [indices.length, l.dim]) : null;
  }

  /** Labels for n fakes: those of random data set images (NVIDIA's gen_c); null (and no draws) when unconditional. */
  protected fakeLabels(n: number): tf.Tensor2D | null {
    if (!this.data.labels) return null;
    return this.labelsOf(Array.from({ length: n }, () => this.rng.randomInterval(this.data.numImages - 1)));
  }

  /** Draws a real batch (indices, then x-flips); the tensor is built only when `build` is called. */
  protected drawReals(n: number): () => tf.Tensor4D {
    const idx = Array.from({ length: n }, () => this.rng.randomInterval(this.data.numImages - 1));
    this.lastRealIndices = idx;
    const flips = Array.from({ length: n }, () => this.data.mirror && this.rng.randomSample() < 0.5);
    const full = this.cfg.imgResolution;
    return () => tf.tensor4d(this.data.sample(idx, flips), [n, full, full, this.cfg.imgChannels]);
  }

  /**
   * G_ema <- lerp(G, G_ema, 0.5^(batch / half-life)); buffers (w_avg, stored noise) are copied.
   * The ramp-up caps the half-life at `rampup` x `nimg` (NVIDIA's ema_rampup).
   */
  protected updateEma(n: number, emaKimg: number, rampup: number | null | undefined, nimg: number): void {
    const beta = emaBeta(n, emaKimg, rampup, nimg);
    tf.tidy(() => {
      for (const [name, p] of this.G.store.vars) {
        const e = this.Gema.store.vars.get(name)!;
        e.assign(tf.add(p, tf.mul(tf.sub(e, p), beta)));
      }
      for (const [name, b] of this.G.store.buffers) this.Gema.store.buffers.get(name)!.assign(b);
    });
  }

  /** Arch-specific state beyond the networks and optimizers (e.g. pl_mean). */
  protected extraState(): Record<string, unknown> {
    return {};
  }

  protected loadExtraState(_t: Record<string, unknown>, _source: string): void {}

  toSnapshot(): Snapshot<C> {
    const training: TrainingState<H> = {
      nimg: this.nimg, step: this.step, rng: this.rng.getState(),
      adamStepG: this.optG.step, adamStepD: this.optD.step, hyper: this.hyper, augment: this.augment.state(),
    };
    return {
      config: this.cfg,
      training: { ...training, ...this.extraState() },
      modules: { G: this.G.store.toRaw(), G_ema: this.Gema.store.toRaw(), D: this.D.store.toRaw(), optG: this.optG.toRaw(), optD: this.optD.toRaw() },
    };
  }

  /** Restores everything a snapshot holds; the trainer must have been built with its config. */
  loadSnapshot(s: Snapshot<NetworkConfig>, source: string): void {
    const t = s.training as TrainingState | undefined;
    const need = (m: Record<string, RawTensor> | undefined, what: string) => {
      if (!m) throw new Error(`${source}: cannot resume, the checkpoint has no ${what}`);
      return m;
    };
    if (!t || typeof t.nimg !== 'number') throw new Error(`${source}: cannot resume, the checkpoint has no training state`);
    if (s.config.arch !== this.cfg.arch) throw new Error(`${source}: a '${s.config.arch}' checkpoint cannot resume a '${this.cfg.arch}' trainer`);
    this.G.store.loadRaw(need(s.modules.G, 'G'), `${source} (G)`);
    this.Gema.store.loadRaw(need(s.modules.G_ema, 'G_ema'), `${source} (G_ema)`);
    this.D.store.loadRaw(need(s.modules.D, 'D'), `${source} (D)`);
    this.optG.loadRaw(need(s.modules.optG, 'optG'), t.adamStepG, `${source} (optG)`);
    this.optD.loadRaw(need(s.modules.optD, 'optD'), t.adamStepD, `${source} (optD)`);
    this.loadExtraState(t as unknown as Record<string, unknown>, source);
    if (t.augment) this.augment.load(t.augment, source);
    this.rng.setState(t.rng);
    this.nimg = t.nimg;
    this.step = t.step;
  }

  dispose(): void {
    for (const m of [this.G, this.Gema, this.D, this.optG, this.optD]) m.dispose();
  }
}

/** G_ema's weight on its old value after a batch of n: half-life emaKimg, capped at rampup x nimg (NVIDIA's ema_rampup). */
export function emaBeta(n: number, emaKimg: number, rampup: number | null | undefined, nimg: number): number {
  let emaNimg = emaKimg * 1000;
  if (rampup) emaNimg = Math.min(emaNimg, nimg * rampup);
  return 0.5 ** (n / Math.max(emaNimg, 1e-8));
}

/** w_avg <- lerp(batch mean of w, w_avg, beta), as NVIDIA's mapping in training mode. */
export function trackWAvg(wAvg: tf.Variable, batchW: tf.Tensor1D, beta: number): void {
  tf.tidy(() => wAvg.assign(tf.add(batchW, tf.mul(tf.sub(wAvg, batchW), beta))));
}
