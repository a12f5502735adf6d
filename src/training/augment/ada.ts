/**
 * Adaptive discriminator augmentation (training_loop.py): the pipe's strength p, moved every
 * `interval` minibatches by sign(r_t - target) * batch * interval / (kimg * 1000), where
 * r_t = E[sign(D(real))] over the reals D saw since the last adjustment. 'fixed' keeps p;
 * 'noaug' runs no pipe (r_t is still measured, for comparison).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { augment } from './pipe.js';
import { augmentSpec, type AugpipeName, type AugmentSpec } from './specs.js';
import type { Draws } from './draws.js';

export type AugMode = 'ada' | 'fixed' | 'noaug';

export interface AugmentOptions {
  mode: AugMode;
  pipe: AugpipeName;
  /** Initial (ada) or constant (fixed) strength. */
  p: number;
  /** ada: the r_t it steers to (0.6). */
  target: number;
  /** ada: minibatches between adjustments (4). */
  interval: number;
  /** ada: kimg for p to move by 1 (500; 100 when fine-tuning). */
  kimg: number;
}

export const DEFAULT_AUGMENT: AugmentOptions = { mode: 'noaug', pipe: 'bgc', p: 0, target: 0.6, interval: 4, kimg: 500 };

/** What a snapshot keeps so that --resume continues p and the half-collected r_t exactly. */
export interface AugmentState {
  p: number;
  signSum: number;
  signCount: number;
}

export class AdaptiveAugment {
  readonly spec: AugmentSpec;
  p: number;
  /** Signs since the last adjustment (ada) and since the last read (ticks). */
  private signSum = 0;
  private signCount = 0;
  private tickSum = 0;
  private tickCount = 0;

  constructor(readonly opts: AugmentOptions) {
    this.spec = augmentSpec(opts.pipe);
    this.p = opts.mode === 'noaug' ? 0 : opts.p;
  }

  /** NVIDIA builds the pipe when p > 0 or ADA is on; at p = 0 it still resamples. */
  get active(): boolean {
    return this.opts.mode === 'ada' || (this.opts.mode === 'fixed' && this.opts.p > 0);
  }

  /** D's input: the images augmented at the current p (as they are when the pipe is off). */
  apply(images: tf.Tensor4D, draws: Draws): tf.Tensor4D {
    return this.active ? augment(images, this.spec, this.p, draws) : images;
  }

  /** Records sign(D(real)) of a batch of real logits. */
  reportReal(logits: ArrayLike<number>): void {
    let s = 0;
    for (let i = 0; i < logits.length; i++) s += Math.sign(logits[i]);
    this.signSum += s;
    this.signCount += logits.length;
    this.tickSum += s;
    this.tickCount += logits.length;
  }

  /** After minibatch number `batchIdx` (counted from 1) of `batch` images: ADA's adjustment. */
  afterStep(batchIdx: number, batch: number): void {
    if (this.opts.mode !== 'ada' || batchIdx % this.opts.interval !== 0 || this.signCount === 0) return;
    const rt = this.signSum / this.signCount;
    const adjust = Math.sign(rt - this.opts.target) * (batch * this.opts.interval) / (this.opts.kimg * 1000);
    this.p = Math.max(this.p + adjust, 0);
    this.signSum = this.signCount = 0;
  }

  /** Mean sign(D(real)) since the last call (one tick), or null if D saw no reals. */
  takeTickRt(): number | null {
    const rt = this.tickCount ? this.tickSum / this.tickCount : null;
    this.tickSum = this.tickCount = 0;
    return rt;
  }

  state(): AugmentState {
    return { p: this.p, signSum: this.signSum, signCount: this.signCount };
  }

  load(s: AugmentState, source: string): void {
    if (typeof s?.p !== 'number' || !Number.isFinite(s.p)) throw new Error(`${source}: cannot resume, the checkpoint's augmentation state has no p`);
    this.p = s.p;
    this.signSum = s.signSum ?? 0;
    this.signCount = s.signCount ?? 0;
  }
}
