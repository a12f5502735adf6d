/**
 * EQ-R's image operators (NVlabs/stylegan3 metrics/equivariance.py, paper appendix E.3): the
 * oriented band-limit filter of an affine map (construct_affine_bandlimit_filter), the rotation
 * of an image through it (apply_fractional_rotation: 4x upsampling with that filter, then
 * bilinear grid_sample) and the pseudo-rotation (apply_fractional_pseudo_rotation: the filter
 * alone, up 1), each with NVIDIA's mask. Images NHWC; float64 inside.
 *
 * NVIDIA builds the filter as circular convolutions by 2-D FFTs of (2 aflt up - 1)^2 points; only
 * its central (2 amax up - 1)^2 taps are kept, and both convolved pairs have one separable factor
 * (sinc(xi) sinc(yi) and the Lanczos window), so those taps are computed here directly: the same
 * circular sums, without the FFT.
 */
import type { Images } from './equivariance.js';

const sinc = (x: number) => {
  const y = Math.abs(x * Math.PI);
  return y < 1e-30 ? 1 : Math.sin(y) / y;
};
const lanczosWindow = (x: number, a: number) => (Math.abs(x) / a < 1 ? sinc(Math.abs(x) / a) : 0);

/** rotation_matrix(angle): [[cos, sin, 0], [-sin, cos, 0], [0, 0, 1]] row-major. */
export function rotationMatrix(angle: number): number[] {
  const c = Math.cos(angle), s = Math.sin(angle);
  return [c, s, 0, -s, c, 0, 0, 0, 1];
}

export interface BandlimitOptions { a?: number; amax?: number; aflt?: number; up?: number; cutoffIn?: number; cutoffOut?: number }

/**
 * construct_affine_bandlimit_filter(mat) [K, K] with K = 2 amax up - 1, row-major (rows = y).
 * The grid: n = 2 aflt up - 1 taps at signed offsets k / up (circular); fi = sinc(xi) sinc(yi),
 * fo the same in the mapped coordinates (xo, yo) = mat[:2, :2] (xi, yi); f = (fi (*) fo) (wi (*) wo)
 * with the Lanczos windows w; then each of the up x up phases normalised to sum 1 / up^2.
 */
export function affineBandlimitFilter(mat: ArrayLike<number>, o: BandlimitOptions = {}): { f: Float64Array; size: number } {
  const a = o.a ?? 3, amax = o.amax ?? 16, aflt = o.aflt ?? 64, up = o.up ?? 4, ci = o.cutoffIn ?? 1, co = o.cutoffOut ?? 1;
  if (!(a <= amax && amax < aflt)) throw new Error(`affineBandlimitFilter: need a <= amax < aflt, got ${a}, ${amax}, ${aflt}`);
  const n = aflt * up * 2 - 1, half = (n - 1) / 2;
  const tap = (i: number) => (i <= half ? i : i - n) / up; // index -> coordinate, as the rolled arange
  const [m00, m01, m10, m11] = [mat[0], mat[1], mat[3], mat[4]];
  const fo = new Float64Array(n * n), wo = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
    const xi = tap(c), yi = tap(r), xo = xi * m00 + yi * m01, yo = xi * m10 + yi * m11;
    fo[r * n + c] = sinc(xo * co) * sinc(yo * co);
    wo[r * n + c] = lanczosWindow(xo, a) * lanczosWindow(yo, a);
  }
  const fi1 = Float64Array.from({ length: n }, (_, i) => sinc(tap(i) * ci));
  const wi1 = Float64Array.from({ length: n }, (_, i) => lanczosWindow(tap(i), a));
  const h = amax * up; // kept offsets -h+1 .. h-1 (the crop), plus a zero row/column at +h (the pad)
  const K = 2 * h, mod = (i: number) => ((i % n) + n) % n;
  /** (s1 x s1) circularly convolved with o, at offsets -h+1 .. h-1 per axis: [K-1, K-1]. */
  const conv = (s1: Float64Array, o2: Float64Array) => {
    const nz = [...s1.keys()].filter((i) => s1[i] !== 0);
    const cols = new Float64Array(n * (K - 1)); // g[r, q] = sum_m s1[m] o2[r, q - m]
    for (let r = 0; r < n; r++) for (let q = 0; q < K - 1; q++) {
      let s = 0;
      for (const m of nz) s += s1[m] * o2[r * n + mod(q - h + 1 - m)];
      cols[r * (K - 1) + q] = s;
    }
    const out = new Float64Array((K - 1) * (K - 1));
    for (let p = 0; p < K - 1; p++) for (let q = 0; q < K - 1; q++) {
      let s = 0;
      for (const m of nz) s += s1[m] * cols[mod(p - h + 1 - m) * (K - 1) + q];
      out[p * (K - 1) + q] = s;
    }
    return out;
  };
  const f = conv(fi1, fo), w = conv(wi1, wo);
  for (let i = 0; i < f.length; i++) f[i] *= w[i];
  // Phase sums over the padded K x K grid (index K - 1 is the zero pad).
  const sums = new Float64Array(up * up);
  for (let p = 0; p < K - 1; p++) for (let q = 0; q < K - 1; q++) sums[(p % up) * up + (q % up)] += f[p * (K - 1) + q];
  for (let p = 0; p < K - 1; p++) for (let q = 0; q < K - 1; q++) f[p * (K - 1) + q] /= sums[(p % up) * up + (q % up)] * up * up;
  return { f, size: K - 1 };
}

function inverse3(m: ArrayLike<number>): number[] {
  const [a, b, c, d, e, f, g, h, i] = Array.from(m);
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det, B / det, (a * i - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}

/** round half to even (std::nearbyint, which grid_sample's nearest mode uses). */
const nearbyint = (v: number) => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/**
 * upfirdn2d's convolution of x [N, H, W, C] by a K x K filter (K odd) after zero-insertion by
 * `up`, padded as upsample2d / filter2d pad (p = (K - 1) / 2 beyond the filter's own): output
 * [N, H up + 2p, W up + 2p, C] when up > 1 (upsample2d, gain up^2), [N, H, W, C] when up is 1
 * (filter2d). Output Y takes input i through tap Y + off - up i, off = K - 1 - pad0.
 */
function upfirdnSquare(x: Images, f: Float64Array, K: number, up: number): { data: Float64Array; h: number; w: number } {
  const [N, H, W, C] = x.shape, p = (K - 1) / 2;
  const pad0 = up > 1 ? p + Math.floor((K + up - 1) / 2) : p;
  const Hy = up > 1 ? H * up + 2 * p : H, Wy = up > 1 ? W * up + 2 * p : W;
  const off = K - 1 - pad0, gain = up * up;
  const y = new Float64Array(N * Hy * Wy * C);
  for (let b = 0; b < N; b++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    const src = ((b * H + i) * W + j) * C;
    for (let sr = 0; sr < K; sr++) {
      const Y = up * i + sr - off;
      if (Y < 0 || Y >= Hy) continue;
      for (let sc = 0; sc < K; sc++) {
        const X = up * j + sc - off;
        if (X < 0 || X >= Wy) continue;
        const g = gain * f[sr * K + sc], dst = ((b * Hy + Y) * Wy + X) * C;
        for (let c = 0; c < C; c++) y[dst + c] += g * x.data[src + c];
      }
    }
  }
  return { data: y, h: Hy, w: Wy };
}

/**
 * apply_affine_transformation(x, mat, up): y = upsample2d(x, f, up, padding p); z = grid_sample(y,
 * affine_grid(theta)) bilinear with zeros outside (align_corners False), theta = mat^-1 with
 * NVIDIA's offset and scale; the mask is y's interior beyond 2p + 1, sampled nearest.
 */
export function applyAffineTransformation(x: Images, mat: ArrayLike<number>, o: BandlimitOptions = {}): { z: Float32Array; m: Float32Array } {
  const [N, H, W, C] = x.shape, up = o.up ?? 4;
  const { f, size: K } = affineBandlimitFilter(mat, { ...o, up });
  const p = (K - 1) / 2;
  const th = inverse3(mat);
  th[2] *= 2; th[5] *= 2;
  th[2] += 1 / up / W; th[5] += 1 / up / H;
  for (let j = 0; j < 3; j++) { th[j] *= W / (W + (p / up) * 2); th[3 + j] *= H / (H + (p / up) * 2); }
  const { data: y, h: Hy, w: Wy } = upfirdnSquare(x, f, K, up);
  const z = new Float32Array(x.data.length), m = new Float32Array(x.data.length);
  const cm = 2 * p + 1;
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    const xn = (2 * j + 1) / W - 1, yn = (2 * i + 1) / H - 1;
    const ix = ((th[0] * xn + th[1] * yn + th[2] + 1) * Wy - 1) / 2, iy = ((th[3] * xn + th[4] * yn + th[5] + 1) * Hy - 1) / 2;
    const x0 = Math.floor(ix), y0 = Math.floor(iy), fx = ix - x0, fy = iy - y0;
    const nx = nearbyint(ix), ny = nearbyint(iy);
    const inMask = nx >= cm && nx < Wy - cm && ny >= cm && ny < Hy - cm ? 1 : 0;
    for (let b = 0; b < N; b++) {
      const o0 = ((b * H + i) * W + j) * C;
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (const [yy, wy] of [[y0, 1 - fy], [y0 + 1, fy]] as const) {
          if (yy < 0 || yy >= Hy) continue;
          for (const [xx, wx] of [[x0, 1 - fx], [x0 + 1, fx]] as const) {
            if (xx >= 0 && xx < Wy) s += wy * wx * y[((b * Hy + yy) * Wy + xx) * C + c];
          }
        }
        z[o0 + c] = s;
        m[o0 + c] = inMask;
      }
    }
  }
  return { z, m };
}

/** apply_fractional_rotation(x, angle): the affine transformation by rotation_matrix(angle), a = 3, amax = 6. */
export function applyFractionalRotation(x: Images, angle: number, a = 3): { z: Float32Array; m: Float32Array } {
  return applyAffineTransformation(x, rotationMatrix(angle), { a, amax: a * 2 });
}

/** apply_fractional_pseudo_rotation(x, angle): x filtered (filter2d) by the up-1 band-limit filter of rotation_matrix(-angle); mask: all but the filter's half-width at the edges. */
export function applyFractionalPseudoRotation(x: Images, angle: number, a = 3): { z: Float32Array; m: Float32Array } {
  const [N, H, W, C] = x.shape;
  const { f, size: K } = affineBandlimitFilter(rotationMatrix(-angle), { a, amax: a * 2, up: 1 });
  const y = upfirdnSquare(x, f, K, 1).data, c0 = (K - 1) / 2;
  const z = Float32Array.from(y), m = new Float32Array(x.data.length);
  for (let b = 0; b < N; b++) for (let i = c0; i < H - c0; i++) for (let j = c0; j < W - c0; j++) m.fill(1, ((b * H + i) * W + j) * C, ((b * H + i) * W + j + 1) * C);
  return { z, m };
}
