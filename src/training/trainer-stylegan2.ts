/**
 * The `stylegan2` arch trainer: stylegan2-ada-pytorch's training_loop.py phases with its
 * StyleGAN2Loss (no augmentation). Per minibatch: Gmain (non-saturating loss), Greg (path
 * length regularization, every gRegInterval steps), Dmain (non-saturating loss), Dreg (R1,
 * every dRegInterval steps); reg phases weight their loss by the interval, and both
 * optimizers use lr * r and betas^r with r = interval / (interval + 1) (lazy regularization).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StyleGAN2Config } from '../networks/stylegan2/config.js';
import { StyleGAN2Generator } from '../networks/stylegan2/generator.js';
import { StyleGAN2Discriminator } from '../networks/stylegan2/discriminator.js';
import { mixStyles } from '../networks/mix-styles.js';
import type { AdamOptions } from './adam.js';
import { pathLengthPenalty, pathLengths } from './path-length.js';
import type { SchedulePoint } from './schedule.js';
import { TrainerBase, trackWAvg, type DataInfo, type StepStats } from './trainer-base.js';
import type { Stylegan2HyperParams } from './stylegan2-presets.js';
import { diffAugment, drawDiffAugment } from './diffaugment.js';

/** Adam (0, 0.99, 1e-8) adjusted for a lazy regularization interval (training_loop.py's mb_ratio). */
export function lazyAdam(lr: number, interval: number): AdamOptions {
  const r = interval > 0 ? interval / (interval + 1) : 1;
  return { lr: lr * r, beta1: 0 ** r, beta2: 0.99 ** r, eps: 1e-8, clip: 1e5 };
}

/** Which phases run at minibatch `step` (NVIDIA: batch_idx % interval == 0; a 0 weight skips the phase). */
export function phasesAt(step: number, h: Pick<Stylegan2HyperParams, 'gRegInterval' | 'dRegInterval' | 'plWeight' | 'r1Gamma'>): { greg: boolean; dreg: boolean } {
  return {
    greg: h.plWeight !== 0 && h.gRegInterval > 0 && step % h.gRegInterval === 0,
    dreg: h.r1Gamma !== 0 && h.dRegInterval > 0 && step % h.dRegInterval === 0,
  };
}

/**
 * D's variables that --freezed N leaves trainable: NVIDIA numbers D's layers block by block from
 * the highest resolution (fromrgb where a block has one, conv0, conv1, skip) and freezes the
 * first N; the 4x4 epilogue always trains.
 */
export function trainableDVars(vars: Map<string, tf.Variable>, imgResolution: number, freeze: number): tf.Variable[] {
  const frozen = new Set<string>();
  let layer = 0;
  for (let res = imgResolution; res > 4; res /= 2) {
    for (const name of ['fromrgb', 'conv0', 'conv1', 'skip']) {
      const keys = [...vars.keys()].filter((k) => k.startsWith(`b${res}.${name}.`));
      if (!keys.length) continue;
      if (layer < freeze) keys.forEach((k) => frozen.add(k));
      layer++;
    }
  }
  return [...vars].filter(([k]) => !frozen.has(k)).map(([, v]) => v);
}


export class Stylegan2Trainer extends TrainerBase<StyleGAN2Config, Stylegan2HyperParams, StyleGAN2Generator, StyleGAN2Discriminator> {
  /** Running mean of the path lengths (NVIDIA's pl_mean buffer), checkpointed. */
  plMean = 0;
  /** The last R1 and PL penalties computed (they run only every few steps). */
  lastR1 = 0;
  lastPl = 0;

  constructor(cfg: StyleGAN2Config, hyper: Stylegan2HyperParams, data: DataInfo) {
    super(cfg, hyper, data, { G: (r) => new StyleGAN2Generator(cfg, r), D: (r) => new StyleGAN2Discriminator(cfg, r) },
      lazyAdam(hyper.lrG, hyper.gRegInterval), lazyAdam(hyper.lrD, hyper.dRegInterval));
  }

  schedule(): SchedulePoint {
    return { res: this.cfg.imgResolution, alpha: 1 };
  }

  emaImages(z: tf.Tensor2D, c?: tf.Tensor2D): tf.Tensor4D {
    return this.Gema.forward(z, { noiseMode: 'const', c });
  }

  /**
   * run_G's ws: mapping(z) (its batch mean tracked into w_avg, as the mapping does in training
   * mode), then with probability `mixing` styles [cutoff, numWs) from a second z, one cutoff
   * per minibatch uniform in [1, numWs) (StyleGAN2Loss.run_G).
   */
  private trainingWs(z: tf.Tensor2D, c: tf.Tensor2D | null): tf.Tensor3D {
    const G = this.G, numWs = G.numWs;
    const w = G.mapping.forwardW(z, c);
    const ws = tf.tile(tf.expandDims(w, 1), [1, numWs, 1]) as tf.Tensor3D;
    trackWAvg(G.wAvg, tf.mean(w, 0) as tf.Tensor1D, this.cfg.mapping.wAvgBeta);
    if (this.hyper.mixing <= 0 || numWs < 2) return ws;
    const cutoff = 1 + Math.floor(this.rng.randomSample() * (numWs - 1));
    if (this.rng.randomSample() >= this.hyper.mixing) return ws;
    return mixStyles(ws, G.mappingForward(this.latents(z.shape[0]), { c: c ?? undefined }), cutoff);
  }

  private synth(ws: tf.Tensor3D, noiseSeed: number): tf.Tensor4D {
    return this.G.synthesis.forward(ws, { noiseMode: 'random', noiseSeed });
  }

  /** One minibatch's four phases; its scalar reads are deferred (reads), the returned function finishes the step once they are read. */
  protected stepBody(): () => StepStats {
    const n = this.hyper.batch, h = this.hyper;
    const { greg, dreg } = phasesAt(this.step, h);
    const gVars = [...this.G.store.vars.values()];
    const dVars = h.freezeD ? trainableDVars(this.D.store.vars, this.cfg.imgResolution, h.freezeD) : [...this.D.store.vars.values()];
    const res = this.cfg.imgResolution;
    const uniform = () => this.rng.randomSample();
    // DiffAugment: fresh draws for every batch D sees (real and fake apart, as its authors do).
    const D = (img: tf.Tensor4D, c: tf.Tensor2D | null) => this.D.forward(this.augmentForD(h.diffaug ? diffAugment(img, drawDiffAugment(img.shape[0], res, uniform)) : img), c);
    const reals = this.drawReals(n);
    const realC = this.labelsOf(this.lastRealIndices);

    // Gmain: softplus(-D(G(z))).
    let lossG = 0;
    {
      const z = this.latents(n), c = this.fakeLabels(n), noiseSeed = this.rng.nextUint32();
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.softplus(tf.neg(D(this.synth(this.trainingWs(z, c), noiseSeed), c)))) as tf.Scalar, gVars);
      this.reads.scalar(value, (v) => { lossG = v; });
      this.applyClean(this.optG, grads, gVars);
      tf.dispose([z, c, grads].filter((t) => t !== null));
    }

    // Greg: path length penalty on batch / pl_batch_shrink samples, weighted by the interval.
    if (greg) {
      const m = Math.max(1, Math.floor(n / h.plBatchShrink)), r = this.cfg.imgResolution, ch = this.cfg.imgChannels;
      const z = this.latents(m), c = this.fakeLabels(m), noiseSeed = this.rng.nextUint32();
      const plNoise = tf.tidy(() => tf.div(tf.tensor4d(Float32Array.from(this.rng.randn(m * r * r * ch)), [m, r, r, ch]), Math.sqrt(r * r)) as tf.Tensor4D);
      const { value, grads } = tf.variableGrads(() => {
        const lengths = pathLengths((ws) => this.synth(ws, noiseSeed), this.trainingWs(z, c), plNoise);
        const t = pathLengthPenalty(lengths, this.plMean, h.plDecay);
        this.reads.scalar(t.plMean, (v) => { this.plMean = v; });
        this.reads.scalar(t.penalty, (v) => { this.lastPl = v; });
        return tf.mul(t.penalty, h.plWeight * h.gRegInterval) as tf.Scalar;
      }, gVars);
      this.applyClean(this.optG, grads, gVars);
      tf.dispose([z, c, plNoise, value, grads].filter((t) => t !== null));
    }

    // Dmain: softplus(D(G(z))) + softplus(-D(x)); fakes need no G gradients.
    let lossD = 0;
    const realImg = reals();
    {
      const z = this.latents(n), c = this.fakeLabels(n), noiseSeed = this.rng.nextUint32();
      const fakes = tf.tidy(() => this.synth(this.trainingWs(z, c), noiseSeed));
      const { value, grads } = tf.variableGrads(() => this.dMainLoss(D, fakes, c, realImg, realC), dVars);
      this.reads.scalar(value, (v) => { lossD = v; });
      this.applyClean(this.optD, grads, dVars);
      tf.dispose([z, c, fakes, grads].filter((t) => t !== null));
    }

    // Dreg: R1 = gamma / 2 * ||grad_x D(x)||^2 on the same reals, weighted by the interval.
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

    // G_ema ramps on the images seen before this batch, then the batch is counted (training_loop.py).
    this.updateEma(n, h.emaKimg, h.emaRampup, this.nimg);
    this.nimg += n;
    this.step++;
    return () => {
      this.afterStep(n);
      return { lossG, lossD, penalty: this.lastR1 };
    };
  }


  protected extraState(): Record<string, unknown> {
    return { plMean: this.plMean };
  }

  protected loadExtraState(t: Record<string, unknown>, source: string): void {
    if (typeof t.plMean !== 'number') throw new Error(`${source}: cannot resume, the checkpoint has no pl_mean`);
    this.plMean = t.plMean;
  }
}
