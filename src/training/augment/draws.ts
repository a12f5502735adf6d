/**
 * The pipe's random draws as an explicit source: NVIDIA's AugmentPipe calls torch.rand / randn
 * in a fixed order with fixed shapes; ours asks a Draws for the same values in the same order,
 * so a test can replay NVIDIA's recorded draws and training feeds the run's own RNG.
 */
import type { RandomState } from '../../sampling/rng.js';

export interface Draws {
  /** Uniform [0, 1) values, row-major for `shape` (NVIDIA's shapes, NCHW where images are involved). */
  rand(shape: number[]): Float64Array;
  /** Standard normals, row-major for `shape`. */
  randn(shape: number[]): Float64Array;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Draws from the training run's MT19937 (so a resumed run continues the same augmentations). */
export function rngDraws(rng: RandomState): Draws {
  return {
    rand: (shape) => Float64Array.from({ length: size(shape) }, () => rng.randomSample()),
    randn: (shape) => Float64Array.from(rng.randn(size(shape))),
  };
}

/** One recorded call: which function, its shape and its values. */
export interface RecordedDraw {
  fn: 'rand' | 'randn';
  shape: number[];
  values: ArrayLike<number>;
}

/** Replays recorded draws, failing on any call that differs in function or shape. */
export function replayDraws(calls: RecordedDraw[]): Draws & { remaining(): number } {
  let i = 0;
  const next = (fn: 'rand' | 'randn', shape: number[]): Float64Array => {
    const c = calls[i++];
    if (!c) throw new Error(`draw ${i - 1} (${fn} [${shape}]): no recorded draw left`);
    if (c.fn !== fn || c.shape.join() !== shape.join()) throw new Error(`draw ${i - 1}: asked ${fn} [${shape}], recorded ${c.fn} [${c.shape}]`);
    return Float64Array.from(c.values);
  };
  return { rand: (s) => next('rand', s), randn: (s) => next('randn', s), remaining: () => calls.length - i };
}
