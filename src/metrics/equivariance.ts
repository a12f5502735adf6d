/**
 * StyleGAN3's equivariance metrics (paper sec. 2 and appendix E; NVlabs/stylegan3
 * metrics/equivariance.py): PSNR between the generator's output under a transformed input
 * (the Fourier features' user transform) and the same transform applied to its output, over
 * NVIDIA's masks of valid pixels. EQ-T (eqt50k_int): integer translations; EQ-T_frac
 * (eqt50k_frac): fractional ones, the image shifted with a Lanczos-3 (a = 3) separable filter.
 * Translations uniform in [-0.125, 0.125] image widths per axis. EQ-R (eqr50k): rotations by
 * an angle uniform in [-pi, pi] (rotate_max 1), the output rotated through the band-limit filter
 * and compared with the rotated-input output pseudo-rotated (equivariance-rotation.ts). One
 * transform per batch and metric, as NVIDIA's loop. Weight-free. Images NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RandomState } from '../sampling/rng.js';
import type { GeneratorLike } from '../networks/generator-api.js';
import { hasInputTransform } from '../sampling/input-transform.js';
import { applyFractionalPseudoRotation, applyFractionalRotation, rotationMatrix } from './equivariance-rotation.js';
import { readTensors } from '../backend/gpu-reads.js';

/** What the metric needs: a mapping, a synthesis, and the input's transform [3, 3] to set. */
export interface TransformableGenerator {
  readonly cfg: { readonly zDim: number; readonly cDim: number; readonly imgResolution: number; readonly imgChannels: number };
  mappingForward(z: tf.Tensor2D, opts?: { c?: tf.Tensor2D }): tf.Tensor3D;
  readonly synthesis: { forward(ws: tf.Tensor3D): tf.Tensor4D };
  /** The user transform (NVIDIA's G.synthesis.input.transform). */
  readonly transform: tf.Variable;
}

export type EquivarianceKind = 'int' | 'frac' | 'rot';

/** A batch of images [N, H, W, C] as flat NHWC data. */
export interface Images { data: Float32Array; shape: [number, number, number, number] }

const sinc = (x: number) => (Math.abs(x) < 1e-30 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

/** apply_integer_translation: x moved by round(t W) pixels (zeros come in); mask 1 where x landed. */
export function applyIntegerTranslation(x: Images, tx: number, ty: number): { z: Float32Array; m: Float32Array } {
  const [n, h, w, c] = x.shape;
  const ix = roundHalfEven(tx * w), iy = roundHalfEven(ty * h);
  const z = new Float32Array(x.data.length), m = new Float32Array(x.data.length);
  if (Math.abs(ix) < w && Math.abs(iy) < h) {
    for (let b = 0; b < n; b++) for (let Y = Math.max(iy, 0); Y < h + Math.min(iy, 0); Y++) for (let X = Math.max(ix, 0); X < w + Math.min(ix, 0); X++) {
      for (let ch = 0; ch < c; ch++) {
        const o = ((b * h + Y) * w + X) * c + ch;
        z[o] = x.data[((b * h + Y - iy) * w + X - ix) * c + ch];
        m[o] = 1;
      }
    }
  }
  return { z, m };
}

/**
 * apply_fractional_translation: x moved by t W pixels, interpolated with the separable windowed
 * sinc sinc(t) sinc(t / a) over 2a taps (normalised); the mask keeps the pixels whose taps all
 * fall inside the image.
 */
export function applyFractionalTranslation(x: Images, tx: number, ty: number, a = 3): { z: Float32Array; m: Float32Array } {
  const [n, h, w, c] = x.shape;
  const sx = tx * w, sy = ty * h;
  const ix = Math.floor(sx), iy = Math.floor(sy), fx = sx - ix, fy = sy - iy, b = a - 1;
  const taps = (f: number) => {
    const t = Array.from({ length: 2 * a }, (_, k) => sinc(k - b - f) * sinc((k - b - f) / a));
    const s = t.reduce((p, q) => p + q, 0);
    return t.map((v) => v / s);
  };
  const gx = taps(fx), gy = taps(fy);
  const z = new Float32Array(x.data.length), m = new Float32Array(x.data.length);
  const zx0 = Math.max(ix - b, 0), zy0 = Math.max(iy - b, 0), zx1 = Math.min(ix + a, 0) + w, zy1 = Math.min(iy + a, 0) + h;
  // z[Y, X] = sum over taps t in [-b, a] of x[Y - iy - ty, X - ix - tx] gy[ty + b] gx[tx + b] (zeros outside x).
  for (let bi = 0; bi < n; bi++) for (let Y = zy0; Y < zy1; Y++) for (let X = zx0; X < zx1; X++) for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let ky = 0; ky < 2 * a; ky++) {
      const sy0 = Y - iy - (ky - b);
      if (sy0 < 0 || sy0 >= h) continue;
      let r = 0;
      for (let kx = 0; kx < 2 * a; kx++) {
        const sx0 = X - ix - (kx - b);
        if (sx0 >= 0 && sx0 < w) r += x.data[((bi * h + sy0) * w + sx0) * c + ch] * gx[kx];
      }
      s += r * gy[ky];
    }
    z[((bi * h + Y) * w + X) * c + ch] = s;
  }
  const mx0 = Math.max(ix + a, 0), my0 = Math.max(iy + a, 0), mx1 = Math.min(ix - b, 0) + w, my1 = Math.min(iy - b, 0) + h;
  for (let bi = 0; bi < n; bi++) for (let Y = my0; Y < my1; Y++) for (let X = mx0; X < mx1; X++) for (let ch = 0; ch < c; ch++) m[((bi * h + Y) * w + X) * c + ch] = 1;
  return { z, m };
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface EquivarianceOptions {
  /** Generated samples (50k for the paper's numbers). */
  num: number;
  batch?: number;
  kinds: EquivarianceKind[];
  /** Largest translation per axis, in image widths (0.125). */
  translateMax?: number;
  /** Largest rotation, in half turns (1: angles in [-pi, pi]). */
  rotateMax?: number;
  rng: RandomState;
  onProgress?: (done: number, total: number) => void;
}

/** PSNR in dB (images in [-1, 1], so peak 2) for each kind asked for, as compute_equivariance_metrics. */
export async function computeEquivariance(G: TransformableGenerator, o: EquivarianceOptions): Promise<Record<EquivarianceKind, number>> {
  const { zDim, cDim, imgResolution: res } = G.cfg;
  const batch = o.batch ?? 8, tmax = o.translateMax ?? 0.125, rmax = o.rotateMax ?? 1;
  const sums = Object.fromEntries(o.kinds.map((k) => [k, { err: 0, mask: 0 }])) as Record<EquivarianceKind, { err: number; mask: number }>;
  const saved = (await readTensors([G.transform]))[0].slice();
  const setM = (m: number[]) => tf.tidy(() => G.transform.assign(tf.tensor2d(m, [3, 3])));
  const setT = (tx: number, ty: number) => setM([1, 0, -tx, 0, 1, -ty, 0, 0, 1]);
  const synth = async (ws: tf.Tensor3D): Promise<Images> => {
    const img = tf.tidy(() => G.synthesis.forward(ws));
    const shape = img.shape as [number, number, number, number];
    const [data] = await readTensors([img], { dispose: true });
    return { data, shape };
  };
  try {
    for (let done = 0; done < o.num; done += batch) {
      const n = Math.min(batch, o.num - done);
      const ws = tf.tidy(() => {
        const z = tf.tensor2d(Float32Array.from(o.rng.randn(n, zDim)), [n, zDim]);
        const c = cDim > 0 ? tf.cast(tf.oneHot(Array.from({ length: n }, () => o.rng.randomInterval(cDim - 1)), cDim), 'float32') as tf.Tensor2D : undefined;
        return G.mappingForward(z, { c });
      });
      setT(0, 0);
      const orig = await synth(ws);
      for (const kind of o.kinds) {
        const s = sums[kind];
        if (kind === 'rot') {
          const angle = (o.rng.randomSample() * 2 - 1) * rmax * Math.PI;
          setM(rotationMatrix(-angle));
          const img = await synth(ws);
          const ref = applyFractionalRotation(orig, angle), pseudo = applyFractionalPseudoRotation(img, angle);
          for (let i = 0; i < ref.z.length; i++) {
            const m = ref.m[i] * pseudo.m[i];
            if (m) { s.err += (ref.z[i] - pseudo.z[i]) ** 2; s.mask += 1; }
          }
          continue;
        }
        let tx = (o.rng.randomSample() * 2 - 1) * tmax, ty = (o.rng.randomSample() * 2 - 1) * tmax;
        if (kind === 'int') { tx = roundHalfEven(tx * res) / res; ty = roundHalfEven(ty * res) / res; }
        setT(tx, ty);
        const img = await synth(ws);
        const { z, m } = kind === 'int' ? applyIntegerTranslation(orig, tx, ty) : applyFractionalTranslation(orig, tx, ty);
        for (let i = 0; i < z.length; i++) if (m[i]) { s.err += (z[i] - img.data[i]) ** 2; s.mask += 1; }
      }
      ws.dispose();
      o.onProgress?.(Math.min(done + batch, o.num), o.num);
    }
  } finally {
    tf.tidy(() => G.transform.assign(tf.tensor2d(saved, [3, 3])));
  }
  const out = {} as Record<EquivarianceKind, number>;
  for (const k of o.kinds) {
    // NVIDIA's would be 0 / 0: the rotation's masks (the filter's 47-tap support at 4x) cover nothing below 16 px.
    if (sums[k].mask === 0) throw new Error(`equivariance (${k}): no pixel inside the masks at ${res} px`);
    out[k] = 20 * Math.log10(2) - 10 * Math.log10(sums[k].err / sums[k].mask);
  }
  return out;
}

/** A StyleGAN3 generator as the metric sees it (its input transform exposed); other archs are an error. */
export function transformableGenerator(G: GeneratorLike): TransformableGenerator {
  if (!hasInputTransform(G)) throw new Error(`the equivariance metrics need a StyleGAN3 network (this one is '${G.cfg.arch}')`);
  return { cfg: G.cfg, mappingForward: (z, o) => G.mappingForward(z, o), synthesis: G.synthesis, transform: G.synthesis.input.transform };
}
