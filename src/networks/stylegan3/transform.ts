/**
 * The user transform of StyleGAN3's input (gen_images.py): make_transform(translate, angle)
 * maps image coordinates; the network takes its inverse in `synthesis.input.transform`, so the
 * image moves by `translate` (in image widths: the output spans [-0.5, 0.5]) and turns by `angle`
 * degrees.
 */
import * as tf from '@tensorflow/tfjs-core';

export type Mat3 = [[number, number, number], [number, number, number], [number, number, number]];

/** gen_images.py's make_transform: [[c, s, tx], [-s, c, ty], [0, 0, 1]]. */
export function makeTransform(translate: [number, number], angleDeg: number): Mat3 {
  const a = (angleDeg / 360) * Math.PI * 2, s = Math.sin(a), c = Math.cos(a);
  return [[c, s, translate[0]], [-s, c, translate[1]], [0, 0, 1]];
}

/** Inverse of a rotation + translation [[R, t], [0, 1]]: [[R^T, -R^T t], [0, 1]]. */
export function invertRigid(m: Mat3): Mat3 {
  const [[a, b, tx], [c, d, ty]] = m;
  const det = a * d - b * c;
  const ia = d / det, ib = -b / det, ic = -c / det, id = a / det;
  return [[ia, ib, -(ia * tx + ib * ty)], [ic, id, -(ic * tx + id * ty)], [0, 0, 1]];
}

/** The matrix gen_images.py writes into the input transform for `--translate X,Y --rotate DEG`. */
export function inputTransform(translate: [number, number], angleDeg: number): Mat3 {
  return invertRigid(makeTransform(translate, angleDeg));
}

/** Writes `m` into a generator's input transform buffer [3, 3]. */
export function setInputTransform(transform: tf.Variable, m: Mat3): void {
  tf.tidy(() => transform.assign(tf.tensor2d(m.flat(), [3, 3])));
}
