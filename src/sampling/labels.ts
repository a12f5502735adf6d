/**
 * Class labels for conditional generators (StyleGAN2-ADA with labels, StyleGAN-XL): one-hot rows
 * [N, cDim] per class index, checked against the network. Unconditional networks take none.
 * Browser-safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorLike } from '../networks/generator-api.js';

/** Whether `G` needs a class label. */
export function isConditional(G: GeneratorLike): boolean {
  return (G.cfg.cDim ?? 0) > 0;
}

/** Checks a class index for `G`: required and in range when conditional; an error naming --class otherwise. */
export function checkClass(G: GeneratorLike, classIdx: number | undefined): void {
  const cDim = G.cfg.cDim ?? 0;
  if (cDim === 0) return;
  if (classIdx === undefined) throw new Error(`this is a conditional network with ${cDim} classes: give a class index (--class)`);
  if (!Number.isInteger(classIdx) || classIdx < 0 || classIdx >= cDim) throw new Error(`class ${classIdx} is out of range [0, ${cDim})`);
}

/** One-hot labels [classes.length, cDim] (one class per row); undefined for an unconditional network. */
export function oneHotRows(G: GeneratorLike, classes: number[]): tf.Tensor2D | undefined {
  if (!isConditional(G)) return undefined;
  classes.forEach((c) => checkClass(G, c));
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), G.cfg.cDim), 'float32') as tf.Tensor2D);
}

/** Labels for n samples of one class (undefined = unconditional; a conditional network needs the class). */
export function sameClassRows(G: GeneratorLike, n: number, classIdx: number | undefined): tf.Tensor2D | undefined {
  if (!isConditional(G)) return undefined;
  checkClass(G, classIdx);
  return oneHotRows(G, new Array<number>(n).fill(classIdx!));
}
