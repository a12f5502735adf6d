/**
 * The numbers a training step reads back (losses, penalties, D's real logits for r_t, pl_mean,
 * BEGAN's energies), deferred to the step's end: on the native/cpu backends they are read with
 * dataSync there (cheap), on webgpu in Node, which has no synchronous reads, with one awaited
 * batch of data() calls. Every trainer runs its step as a body that queues its reads and returns
 * the function that finishes the step once they are in, so both paths give the same numbers.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StepStats } from './trainer-base.js';

export class StepReads {
  private pending: Array<{ t: tf.Tensor; use: (v: Float32Array) => void }> = [];

  /** Reads `t` at the end of the step, then disposes it: `t` is kept out of tidy scopes and belongs to the reads now. */
  later(t: tf.Tensor, use: (v: Float32Array) => void): void {
    this.pending.push({ t: tf.keep(t), use });
  }

  /** A scalar's value at the end of the step. */
  scalar(t: tf.Tensor, set: (x: number) => void): void {
    this.later(t, (v) => set(v[0]));
  }

  flushSync(): void {
    const p = this.pending.splice(0);
    try {
      for (const { t, use } of p) use(t.dataSync() as Float32Array);
    } finally {
      tf.dispose(p.map((r) => r.t));
    }
  }

  async flush(): Promise<void> {
    const p = this.pending.splice(0);
    try {
      const values = await Promise.all(p.map((r) => r.t.data()));
      p.forEach(({ use }, i) => use(values[i] as Float32Array));
    } finally {
      tf.dispose(p.map((r) => r.t));
    }
  }
}

/** A step body: queues its reads on a {@link StepReads} and returns what finishes the step once they are read. */
export type StepBody = () => () => StepStats;

export function runStepSync(reads: StepReads, body: StepBody): StepStats {
  const finish = body();
  reads.flushSync();
  return finish();
}

export async function runStepAsync(reads: StepReads, body: StepBody): Promise<StepStats> {
  const finish = body();
  await reads.flush();
  return finish();
}
