/**
 * StyleGAN3's SynthesisInput (paper sec. 3.2, "Fourier features"): C sinusoids whose
 * frequencies are drawn once from a disc of radius `bandwidth` and whose phases are uniform,
 * sampled on the first layer's grid (margin included). The affine layer turns w[0] into a
 * rotation + translation of the features (weight 0 and bias [1, 0, 0, 0] at init: identity);
 * the user `transform` (inverse, with respect to the image) follows it, which is how
 * `--translate` / `--rotate` move the image; frequencies the transform pushes past the
 * bandwidth fade out. Then a trainable C x C mixing. Output [N, size, size, C].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from '../params.js';
import { FullyConnectedLayer } from '../stylegan2/layers.js';
import type { InputSpec } from './schedule.js';

/** Standard normals from a uniform source (Box-Muller), for the frequencies drawn at construction. */
function normals(n: number, random: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random())), t = 2 * Math.PI * random();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

export class SynthesisInput {
  readonly weight: tf.Variable;
  readonly affine: FullyConnectedLayer;
  /** User-specified inverse transform with respect to the resulting image [3, 3]. */
  readonly transform: tf.Variable;
  readonly freqs: tf.Variable;
  readonly phases: tf.Variable;
  /** Pixel centres of the sampling grid in units of the input's sampling period: (i + 0.5 - size/2) / rate. */
  private readonly grid: Float32Array;

  constructor(readonly wDim: number, readonly spec: InputSpec, store: ParamStore, random: () => number, prefix = 'synthesis.input') {
    const c = spec.channels;
    this.weight = store.param(`${prefix}.weight`, [c, c], { normal: 1 }); // [out, in], as NVIDIA's (x @ weight^T)
    this.affine = new FullyConnectedLayer(store, `${prefix}.affine`, wDim, 4);
    this.affine.weight.assign(tf.zeros([wDim, 4]));
    tf.tidy(() => this.affine.bias!.assign(tf.tensor1d([1, 0, 0, 0])));
    this.transform = store.buffer(`${prefix}.transform`, [3, 3], 'zeros');
    tf.tidy(() => this.transform.assign(tf.eye(3)));
    // Frequencies uniform on the disc of radius `bandwidth`: normal direction, radius reshaped by exp(r^2)^(1/4).
    const f = normals(2 * c, random);
    for (let i = 0; i < c; i++) {
      const r = Math.hypot(f[2 * i], f[2 * i + 1]), d = r * Math.exp(r * r) ** 0.25;
      f[2 * i] = (f[2 * i] / d) * spec.bandwidth;
      f[2 * i + 1] = (f[2 * i + 1] / d) * spec.bandwidth;
    }
    this.freqs = store.buffer(`${prefix}.freqs`, [c, 2], 'zeros');
    tf.tidy(() => this.freqs.assign(tf.tensor2d(f, [c, 2])));
    this.phases = store.buffer(`${prefix}.phases`, [c], 'zeros');
    tf.tidy(() => this.phases.assign(tf.tensor1d(Float32Array.from({ length: c }, () => random() - 0.5))));
    // affine_grid(align_corners=False) scaled by theta = 0.5 size / rate.
    this.grid = Float32Array.from({ length: spec.size }, (_, i) => (0.5 * spec.size / spec.samplingRate) * ((2 * i + 1) / spec.size - 1));
  }

  /** w [N, wDim] -> Fourier features [N, size, size, C]. */
  forward(w: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      const n = w.shape[0], c = this.spec.channels, size = this.spec.size;
      // t = (r_c, r_s, t_x, t_y), the rotation part normalised to unit length.
      const t = this.affine.forward(w);
      const t01 = tf.slice(t, [0, 0], [n, 2]);
      const tn = tf.div(t, tf.norm(t01, 'euclidean', 1, true));
      const [rc, rs, tx, ty] = tf.unstack(tn, 1) as tf.Tensor1D[];
      const zero = tf.zerosLike(rc), one = tf.onesLike(rc);
      // m_r @ m_t: inverse rotation, then inverse translation, with respect to the image.
      const mrt = tf.stack([
        tf.stack([rc, tf.neg(rs), tf.sub(tf.mul(rs, ty), tf.mul(rc, tx))], 1),
        tf.stack([rs, rc, tf.neg(tf.add(tf.mul(rs, tx), tf.mul(rc, ty)))], 1),
        tf.stack([zero, zero, one], 1),
      ], 1) as tf.Tensor3D; // [N, 3, 3]
      const m = tf.matMul(mrt, tf.tile(tf.expandDims(this.transform, 0), [n, 1, 1]) as tf.Tensor3D);
      const freqs = tf.tile(tf.expandDims(this.freqs, 0), [n, 1, 1]) as tf.Tensor3D; // [N, C, 2]
      const phases = tf.add(this.phases, tf.squeeze(tf.matMul(freqs, tf.slice(m, [0, 0, 2], [n, 2, 1])), [2])); // [N, C]
      const f = tf.matMul(freqs, tf.slice(m, [0, 0, 0], [n, 2, 2])); // [N, C, 2]
      const { bandwidth, samplingRate } = this.spec;
      const amplitudes = tf.clipByValue(tf.sub(1, tf.div(tf.sub(tf.norm(f, 'euclidean', 2), bandwidth), samplingRate / 2 - bandwidth)), 0, 1);
      const [fx, fy] = tf.unstack(f, 2).map((v) => tf.reshape(v, [n, 1, 1, c]));
      const gx = tf.tensor4d(this.grid, [1, 1, size, 1]), gy = tf.tensor4d(this.grid, [1, size, 1, 1]);
      let x = tf.add(tf.add(tf.mul(gx, fx), tf.mul(gy, fy)), tf.reshape(phases, [n, 1, 1, c]));
      x = tf.mul(tf.sin(tf.mul(x, 2 * Math.PI)), tf.reshape(amplitudes, [n, 1, 1, c]));
      const wt = tf.div(this.weight, Math.sqrt(c));
      const y = tf.matMul(tf.reshape(x, [n * size * size, c]), wt, false, true);
      return tf.reshape(y, [n, size, size, c]) as tf.Tensor4D;
    });
  }
}
