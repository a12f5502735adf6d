/**
 * One trainer for the nine baselines: each arch's step in the order its reference runs it (the
 * comments name the script). Reals, latents, dropout masks and penalty samples all come from the
 * run's seeded RandomState, which is checkpointed, so a resumed run continues exactly. The
 * references keep no moving average: G_ema is G itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BaselineConfig } from '../../networks/baselines/config.js';
import { BaselineGenerator, buildDiscriminator, type BaselineDiscriminatorNet } from '../../networks/baselines/generator.js';
import { DcganDiscriminator } from '../../networks/baselines/dcgan.js';
import { BeganDiscriminator } from '../../networks/baselines/began.js';
import { Vae } from '../../networks/baselines/vae.js';
import { AdversarialAutoencoder, LatentDiscriminator } from '../../networks/baselines/aae.js';
import type { RawTensor } from '../../networks/params.js';
import type { Snapshot } from '../../io/snapshot.js';
import type { NetworkConfig } from '../../networks/config.js';
import { Adam } from '../adam.js';
import { Rmsprop } from '../rmsprop.js';
import type { SchedulePoint } from '../schedule.js';
import type { DataInfo, StepStats, TrainerLike } from '../trainer-base.js';
import { StepReads, runStepAsync, runStepSync } from '../step-reads.js';
import { prefetchForSync } from '../../backend/gpu-reads.js';
import { RandomState } from '../../sampling/rng.js';
import type { BaselineHyperParams } from './hyper.js';
import {
  aaeGeneratorLoss, bceWithLogits, beganEnergy, beganUpdate, draganGradientPenalty, leastSquares, reparameterize,
  vaeLoss, wassersteinCritic, wassersteinGenerator, wganGradientPenalty,
} from './losses.js';

type Optimizer = Adam | Rmsprop;

export class BaselineTrainer implements TrainerLike {
  readonly G: BaselineGenerator;
  readonly D: BaselineDiscriminatorNet;
  readonly optG: Optimizer;
  readonly optD: Optimizer;
  rng: RandomState;
  nimg = 0;
  step = 0;
  /** BEGAN's equilibrium term and convergence measure. */
  k = 0;
  M = 0;
  /** The last generator loss (WGAN steps without a G update report it again). */
  lastLossG = 0;
  /** What a step reads back, deferred to its end (webgpu in Node has no dataSync). */
  private readonly reads = new StepReads();

  constructor(readonly cfg: BaselineConfig, readonly hyper: BaselineHyperParams, readonly data: DataInfo) {
    if (hyper.baseline !== cfg.arch) throw new Error(`hyperparameters of '${hyper.baseline}' given to a '${cfg.arch}' network`);
    this.rng = new RandomState(hyper.seed >>> 0, { exact: false });
    const uniform = () => this.rng.randomSample();
    this.G = new BaselineGenerator(cfg, uniform);
    this.D = buildDiscriminator(cfg, uniform);
    const make = (store: BaselineGenerator['store'], lr: number): Optimizer => hyper.optimizer === 'rmsprop'
      ? new Rmsprop(store, { lr, alpha: 0.99, eps: 1e-8 })
      : new Adam(store, { lr, beta1: hyper.beta1, beta2: hyper.beta2, eps: 1e-8 });
    this.optG = make(this.G.store, hyper.lrG);
    this.optD = make(this.D.store, hyper.lrD);
  }

  get Gema(): BaselineGenerator {
    return this.G;
  }

  get kimg(): number {
    return this.nimg / 1000;
  }

  schedule(): SchedulePoint {
    return { res: this.cfg.imgResolution, alpha: 1 };
  }

  emaImages(z: tf.Tensor2D): tf.Tensor4D {
    return this.G.forward(z);
  }

  private latents(n: number): tf.Tensor2D {
    return tf.tensor2d(Float32Array.from(this.rng.randn(n, this.cfg.zDim)), [n, this.cfg.zDim]);
  }

  private uniform(shape: number[]): tf.Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Float32Array.from({ length: size }, () => this.rng.randomSample()), shape);
  }

  private reals(n: number): tf.Tensor4D {
    const idx = Array.from({ length: n }, () => this.rng.randomInterval(this.data.numImages - 1));
    const flips = Array.from({ length: n }, () => this.data.mirror && this.rng.randomSample() < 0.5);
    const r = this.cfg.imgResolution;
    return tf.tensor4d(this.data.sample(idx, flips), [n, r, r, this.cfg.imgChannels]);
  }

  /** D's logits with Dropout2d drawn from the run's RNG (DCGAN family), plain otherwise. */
  private dLogits(x: tf.Tensor4D): tf.Tensor2D {
    const D = this.D;
    if (D instanceof DcganDiscriminator) return D.forward(x, { dropout: () => this.rng.randomSample() });
    return (D as { forward(x: tf.Tensor4D): tf.Tensor2D }).forward(x);
  }

  /** One optimizer step on `loss` over `vars`; returns the loss before the step (a scalar for the step's reads, or to dispose). */
  private minimize(opt: Optimizer, vars: tf.Variable[], loss: () => tf.Scalar): tf.Scalar {
    const { value, grads } = tf.variableGrads(loss, vars);
    opt.apply(grads);
    tf.dispose(grads);
    return value;
  }

  trainStep(): StepStats {
    return runStepSync(this.reads, () => this.stepBody());
  }

  /** trainStep with its reads awaited (webgpu in Node); the same numbers. */
  trainStepAsync(): Promise<StepStats> {
    return runStepAsync(this.reads, () => this.stepBody());
  }

  async prefetchState(): Promise<void> {
    const nets = [this.G, this.D].flatMap((m) => [...m.store.vars.values(), ...m.store.buffers.values()]);
    await prefetchForSync([...nets, ...this.optG.tensors(), ...this.optD.tensors()]);
  }

  private stepBody(): () => StepStats {
    const finish = this.stepFor(this.hyper.baseline);
    this.nimg += this.hyper.batch;
    this.step++;
    return finish;
  }

  /** The arch's step; its reads queued, the returned function gives its stats once they are read. */
  private stepFor(arch: BaselineConfig['arch']): () => StepStats {
    switch (arch) {
      case 'gan': case 'dcgan': return this.stepAlternating(bceWithLogits, 0);
      case 'lsgan': return this.stepAlternating(leastSquares, 0);
      case 'dragan': return this.stepAlternating(bceWithLogits, this.hyper.gpLambda);
      case 'wgan': case 'wgan-gp': return this.stepWasserstein();
      case 'began': return this.stepBegan();
      case 'vae': return this.stepVae();
      case 'aae': return this.stepAae();
    }
  }

  /**
   * gan.py, dcgan.py, lsgan.py, dragan.py: G step on D(G(z)) against "real", then D step on reals
   * and the same (detached) fakes, (real + fake) / 2; DRAGAN adds lambda x its penalty at reals.
   */
  private stepAlternating(adv: (out: tf.Tensor, target: number) => tf.Scalar, gpLambda: number): () => StepStats {
    const n = this.hyper.batch;
    const gVars = [...this.G.store.vars.values()], dVars = [...this.D.store.vars.values()];
    const z = this.latents(n);
    let fakes: tf.Tensor4D | undefined, lossG = 0, lossD = 0, penalty = 0;
    this.reads.scalar(this.minimize(this.optG, gVars, () => {
      fakes = tf.keep(this.G.net.decode(z, true));
      return adv(this.dLogits(fakes), 1);
    }), (v) => { lossG = v; });
    const reals = this.reals(n);
    const alpha = gpLambda > 0 ? this.uniform(reals.shape) as tf.Tensor4D : undefined;
    const u = gpLambda > 0 ? this.uniform(reals.shape) as tf.Tensor4D : undefined;
    this.reads.scalar(this.minimize(this.optD, dVars, () => {
      const d = tf.div(tf.add(adv(this.dLogits(reals), 1), adv(this.dLogits(fakes!), 0)), 2) as tf.Scalar;
      if (!alpha || !u) return d;
      const gp = draganGradientPenalty((x) => this.dLogits(x), reals, alpha, u);
      this.reads.scalar(gp, (v) => { penalty = v; });
      return tf.add(d, tf.mul(gp, gpLambda)) as tf.Scalar;
    }), (v) => { lossD = v; });
    tf.dispose([z, fakes!, reals, alpha, u].filter(Boolean) as tf.Tensor[]);
    return () => {
      this.lastLossG = lossG;
      return { lossG, lossD, penalty };
    };
  }

  /**
   * wgan.py, wgan_gp.py: every step trains the critic on -D(x) + D(G(z)) (+ lambda GP at random
   * interpolates; or weights clipped after the update); every nCritic-th step (i % n_critic == 0,
   * the first included) G trains on -D(G(z)) with the same z.
   */
  private stepWasserstein(): () => StepStats {
    const h = this.hyper, n = h.batch;
    const gVars = [...this.G.store.vars.values()], dVars = [...this.D.store.vars.values()];
    const z = this.latents(n);
    const reals = this.reals(n);
    const fakes = tf.tidy(() => this.G.net.decode(z, true));
    const alpha = h.gpLambda > 0 ? this.uniform([n]) as tf.Tensor1D : undefined;
    let penalty = 0, lossD = 0;
    this.reads.scalar(this.minimize(this.optD, dVars, () => {
      const c = wassersteinCritic(this.dLogits(reals), this.dLogits(fakes));
      if (!alpha) return c;
      const gp = wganGradientPenalty((x) => this.dLogits(x), reals, fakes, alpha);
      this.reads.scalar(gp, (v) => { penalty = v; });
      return tf.add(c, tf.mul(gp, h.gpLambda)) as tf.Scalar;
    }), (v) => { lossD = v; });
    if (h.clip > 0) tf.tidy(() => { for (const v of dVars) v.assign(tf.clipByValue(v, -h.clip, h.clip)); });
    if (this.step % h.nCritic === 0) {
      this.reads.scalar(this.minimize(this.optG, gVars, () => wassersteinGenerator(this.dLogits(this.G.net.decode(z, true)))), (v) => { this.lastLossG = v; });
    }
    tf.dispose([z, reals, fakes, ...(alpha ? [alpha] : [])]);
    return () => ({ lossG: this.lastLossG, lossD, penalty });
  }

  /**
   * began.py: G minimises the energy of its fakes; D minimises E(reals) - k E(fakes); then
   * k <- clip(k + lambda_k (gamma E(reals) - E(fakes)), 0, 1) and M = E(reals) + |gamma E(reals) - E(fakes)|.
   */
  private stepBegan(): () => StepStats {
    const h = this.hyper, n = h.batch, D = this.D as BeganDiscriminator;
    const gVars = [...this.G.store.vars.values()], dVars = [...D.store.vars.values()];
    const z = this.latents(n);
    let fakes: tf.Tensor4D | undefined, lossG = 0, lossD = 0;
    this.reads.scalar(this.minimize(this.optG, gVars, () => {
      fakes = tf.keep(this.G.net.decode(z, true));
      return beganEnergy(D.forward(fakes), fakes);
    }), (v) => { lossG = v; });
    const reals = this.reals(n);
    let real = 0, fake = 0;
    this.reads.scalar(this.minimize(this.optD, dVars, () => {
      const eReal = beganEnergy(D.forward(reals), reals), eFake = beganEnergy(D.forward(fakes!), fakes!);
      this.reads.scalar(eReal, (v) => { real = v; });
      this.reads.scalar(eFake, (v) => { fake = v; });
      return tf.sub(eReal, tf.mul(eFake, this.k)) as tf.Scalar;
    }), (v) => { lossD = v; });
    tf.dispose([z, fakes!, reals]);
    // k moves once the energies are read (the next step's D loss uses it).
    return () => {
      const u = beganUpdate(this.k, real, fake, h.gamma, h.lambdaK);
      this.k = u.k;
      this.M = u.M;
      return { lossG, lossD, penalty: 0, extra: { k: this.k, M: this.M } };
    };
  }

  /** Kingma & Welling: encode, reparameterise, decode; minimise the negative ELBO (no D). */
  private stepVae(): () => StepStats {
    const n = this.hyper.batch, vae = this.G.net as Vae;
    const reals = this.reals(n);
    const eps = this.latents(n);
    let recon = 0, kl = 0, loss = 0;
    this.reads.scalar(this.minimize(this.optG, [...vae.store.vars.values()], () => {
      const { mu, logvar } = vae.encode(reals);
      const l = vaeLoss(vae.decodeLogits(reparameterize(mu, logvar, eps)), reals, mu, logvar);
      this.reads.scalar(l.recon, (v) => { recon = v; });
      this.reads.scalar(l.kl, (v) => { kl = v; });
      return l.total;
    }), (v) => { loss = v; });
    tf.dispose([reals, eps]);
    return () => ({ lossG: loss, lossD: 0, penalty: 0, extra: { recon, kl } });
  }

  /**
   * aae.py: encoder + decoder minimise 0.999 L1 reconstruction + 0.001 BCE(D(code), real); then D
   * tells prior samples z ~ N(0, I) (real) from the detached codes (fake), (real + fake) / 2.
   */
  private stepAae(): () => StepStats {
    const n = this.hyper.batch, ae = this.G.net as AdversarialAutoencoder, D = this.D as LatentDiscriminator;
    const reals = this.reals(n);
    const eps = this.latents(n);
    let codes: tf.Tensor2D | undefined, lossG = 0, lossD = 0;
    this.reads.scalar(this.minimize(this.optG, [...ae.store.vars.values()], () => {
      const { mu, logvar } = ae.encode(reals);
      codes = tf.keep(reparameterize(mu, logvar, eps));
      return aaeGeneratorLoss(D.forward(codes), ae.decode(codes, true), reals);
    }), (v) => { lossG = v; });
    const prior = this.latents(n);
    this.reads.scalar(this.minimize(this.optD, [...D.store.vars.values()], () =>
      tf.div(tf.add(bceWithLogits(D.forward(prior), 1), bceWithLogits(D.forward(codes!), 0)), 2) as tf.Scalar), (v) => { lossD = v; });
    tf.dispose([reals, eps, codes!, prior]);
    return () => ({ lossG, lossD, penalty: 0 });
  }

  toSnapshot(): Snapshot<NetworkConfig> {
    const G = this.G.store.toRaw();
    return {
      config: this.cfg,
      training: {
        nimg: this.nimg, step: this.step, rng: this.rng.getState(), adamStepG: this.optG.step, adamStepD: this.optD.step,
        hyper: this.hyper, k: this.k, M: this.M, lastLossG: this.lastLossG,
      },
      modules: { G, G_ema: G, D: this.D.store.toRaw(), optG: this.optG.toRaw(), optD: this.optD.toRaw() },
    };
  }

  loadSnapshot(s: Snapshot<NetworkConfig>, source: string): void {
    const t = s.training as Record<string, unknown> | undefined;
    if (!t || typeof t.nimg !== 'number') throw new Error(`${source}: cannot resume, the checkpoint has no training state`);
    if (s.config.arch !== this.cfg.arch) throw new Error(`${source}: a '${s.config.arch}' checkpoint cannot resume a '${this.cfg.arch}' trainer`);
    const need = (m: Record<string, RawTensor> | undefined, what: string, empty: boolean) => {
      if (!m && !empty) throw new Error(`${source}: cannot resume, the checkpoint has no ${what}`);
      return m ?? {};
    };
    const noD = this.D.store.vars.size === 0;
    this.G.store.loadRaw(need(s.modules.G, 'G', false), `${source} (G)`);
    this.D.store.loadRaw(need(s.modules.D, 'D', noD), `${source} (D)`);
    this.optG.loadRaw(need(s.modules.optG, 'optG', false), t.adamStepG as number, `${source} (optG)`);
    this.optD.loadRaw(need(s.modules.optD, 'optD', noD), t.adamStepD as number, `${source} (optD)`);
    this.rng.setState(t.rng as ReturnType<RandomState['getState']>);
    this.nimg = t.nimg;
    this.step = t.step as number;
    this.k = (t.k as number) ?? 0;
    this.M = (t.M as number) ?? 0;
    this.lastLossG = (t.lastLossG as number) ?? 0;
  }

  dispose(): void {
    for (const m of [this.G, this.D, this.optG, this.optD]) m.dispose();
  }
}
