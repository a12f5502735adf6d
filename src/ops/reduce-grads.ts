/**
 * Sum's and Mean's gradients as a broadcast (Tile) of dy. tfjs' own multiply dy by a ones tensor
 * of x's shape that it fills in JS first: a full-size fill and a full-size multiply per call, and
 * StyleGAN2's R1 and path-length terms take these gradients of big activations every step. The
 * values are the same bits (dy * 1 = dy; Mean divides before broadcasting, one division each).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/** dy [reduced shape] -> x's shape, along the reduced axes. */
function spread(dy: Tensor, x: Tensor, axis: number | number[]): Tensor {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const expanded = tf.reshape(dy, x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
  // Tile has no gradient above rank 4 (gradients of gradients need one): tfjs' way there.
  return x.rank <= 4 ? tf.broadcastTo(expanded, x.shape) : tf.mul(expanded, tf.ones(x.shape));
}

let registered = false;
/** Replaces tfjs' Sum and Mean gradients (global: gradients are not per backend). Idempotent. */
export function registerReduceGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'Sum', inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({ x: () => spread(dy as Tensor, x, attrs.axis as number[]) }),
  });
  tf.registerGradient({
    kernelName: 'Mean', inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const axes = tf.util.parseAxisParam(attrs.axis as number[], x.shape);
        const n = axes.reduce((p, a) => p * x.shape[a], 1);
        return spread(tf.div(dy as Tensor, n), x, axes);
      },
    }),
  });
}
