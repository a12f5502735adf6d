/**
 * The pipe's random parameters, drawn in NVIDIA's order (augment.py's forward): the geometric
 * matrix G_inv (output pixel -> input pixel), the colour matrix C, the filter-bank gains, the
 * noise and the cutout. Each transform draws its value, then its "applied?" uniform, whether
 * or not it is applied. G_inv is built in float32 like torch's, since its padding is ceil()ed.
 */
import type { AugmentSpec } from './specs.js';
import type { Draws } from './draws.js';
import { FBANK_EXPECTED_POWER, NUM_BANDS } from './filter-bank.js';

const f = Math.fround;

export interface AugmentParams {
  batch: number;
  /** G_inv per image, [N, 3, 3] row-major (null: no geometric stage). */
  gInv: Float64Array | null;
  /** Colour matrix per image, [N, 4, 4] (null: no colour stage). */
  color: Float64Array | null;
  /** Band gains per image, [N, 4] (null: no filtering). */
  filterGains: Float64Array | null;
  /** Noise std per image [N] and the unit noise [N, C, H, W] (NVIDIA's order). */
  noise: { sigma: Float64Array; field: Float64Array } | null;
  /** Cutout size [N] (0 = not applied) and centre [N, 2] (x, y), relative to the image. */
  cutout: { size: Float64Array; center: Float64Array } | null;
}

type M3 = Float64Array;

/** a @ b for [N, 3, 3] in float32 arithmetic. */
function mul3(a: M3, b: M3, n: number): M3 {
  const out = new Float64Array(n * 9);
  for (let i = 0; i < n; i++) for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let k = 0; k < 3; k++) s = f(s + f(a[i * 9 + r * 3 + k] * b[i * 9 + k * 3 + c]));
    out[i * 9 + r * 3 + c] = s;
  }
  return out;
}

function eye3(n: number): M3 {
  const m = new Float64Array(n * 9);
  for (let i = 0; i < n; i++) m[i * 9] = m[i * 9 + 4] = m[i * 9 + 8] = 1;
  return m;
}

function perImage3(n: number, fn: (i: number) => number[]): M3 {
  const m = new Float64Array(n * 9);
  for (let i = 0; i < n; i++) m.set(fn(i).map(f), i * 9);
  return m;
}

const scale2d = (sx: number, sy: number) => [sx, 0, 0, 0, sy, 0, 0, 0, 1];
const translate2d = (tx: number, ty: number) => [1, 0, tx, 0, 1, ty, 0, 0, 1];
const rotate2d = (t: number) => [f(Math.cos(t)), f(Math.sin(f(-t))), 0, f(Math.sin(t)), f(Math.cos(t)), 0, 0, 0, 1];

/** torch.round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function mul4(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * 16);
  for (let i = 0; i < n; i++) for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) {
    let s = 0;
    for (let k = 0; k < 4; k++) s += a[i * 16 + r * 4 + k] * b[i * 16 + k * 4 + c];
    out[i * 16 + r * 4 + c] = s;
  }
  return out;
}

function perImage4(n: number, fn: (i: number) => number[]): Float64Array {
  const m = new Float64Array(n * 16);
  for (let i = 0; i < n; i++) m.set(fn(i), i * 16);
  return m;
}

/**
 * Draws every parameter of one pipe call on a batch [N, C, H, W] at strength p.
 * The draws happen exactly where NVIDIA's happen, so replayed torch draws give torch's result.
 */
export function drawAugmentParams(s: AugmentSpec, p: number, [n, c, h, w]: [number, number, number, number], d: Draws): AugmentParams {
  const pf = f(p);
  const applied = (u: number, mult: number) => u < f(mult * pf);
  let g: M3 | null = null;
  const then = (m: M3) => (g = mul3(g ?? eye3(n), m, n));

  if (s.xflip > 0) {
    const v = d.rand([n]), u = d.rand([n]);
    then(perImage3(n, (k) => {
      const i = applied(u[k], s.xflip) ? Math.floor(v[k] * 2) : 0;
      return scale2d(f(1 / (1 - 2 * i)), 1);
    }));
  }
  if (s.rotate90 > 0) {
    const v = d.rand([n]), u = d.rand([n]);
    then(perImage3(n, (k) => {
      const i = applied(u[k], s.rotate90) ? Math.floor(v[k] * 4) : 0;
      return rotate2d(-f(f(-Math.PI / 2) * i)); // rotate2d_inv(-pi/2 * i)
    }));
  }
  if (s.xint > 0) {
    const v = d.rand([n, 2]), u = d.rand([n, 1]);
    then(perImage3(n, (k) => {
      const on = applied(u[k], s.xint);
      const tx = on ? f(f(f(v[2 * k] * 2) - 1) * f(s.xintMax)) : 0, ty = on ? f(f(f(v[2 * k + 1] * 2) - 1) * f(s.xintMax)) : 0;
      return translate2d(-roundHalfEven(f(tx * w)), -roundHalfEven(f(ty * h)));
    }));
  }
  if (s.scale > 0) {
    const v = d.randn([n]), u = d.rand([n]);
    then(perImage3(n, (k) => {
      const sc = applied(u[k], s.scale) ? f(2 ** f(v[k] * s.scaleStd)) : 1;
      return scale2d(f(1 / sc), f(1 / sc));
    }));
  }
  const pRot = f(1 - f(Math.sqrt(Math.min(Math.max(f(1 - f(s.rotate * pf)), 0), 1))));
  const rotation = () => {
    const v = d.rand([n]), u = d.rand([n]);
    then(perImage3(n, (k) => {
      const theta = u[k] < pRot ? f(f(f(f(v[k] * 2) - 1) * f(Math.PI)) * f(s.rotateMax)) : 0;
      return rotate2d(theta); // rotate2d_inv(-theta)
    }));
  };
  if (s.rotate > 0) rotation();
  if (s.aniso > 0) {
    const v = d.randn([n]), u = d.rand([n]);
    then(perImage3(n, (k) => {
      const sc = applied(u[k], s.aniso) ? f(2 ** f(v[k] * s.anisoStd)) : 1;
      return scale2d(f(1 / sc), f(1 / f(1 / sc)));
    }));
  }
  if (s.rotate > 0) rotation();
  if (s.xfrac > 0) {
    const v = d.randn([n, 2]), u = d.rand([n, 1]);
    then(perImage3(n, (k) => {
      const on = applied(u[k], s.xfrac);
      const tx = on ? f(v[2 * k] * s.xfracStd) : 0, ty = on ? f(v[2 * k + 1] * s.xfracStd) : 0;
      return translate2d(-f(tx * w), -f(ty * h));
    }));
  }

  // Colour: C @ [r, g, b, 1] -> colour out; each transform multiplies on the left.
  let C: Float64Array | null = null;
  const before = (m: Float64Array) => (C = mul4(m, C ?? perImage4(n, () => [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]), n));
  const v3 = 1 / Math.sqrt(3); // luma axis [1, 1, 1, 0] / sqrt(3)
  if (s.brightness > 0) {
    const v = d.randn([n]), u = d.rand([n]);
    before(perImage4(n, (k) => {
      const b = applied(u[k], s.brightness) ? v[k] * s.brightnessStd : 0;
      return [1, 0, 0, b, 0, 1, 0, b, 0, 0, 1, b, 0, 0, 0, 1];
    }));
  }
  if (s.contrast > 0) {
    const v = d.randn([n]), u = d.rand([n]);
    before(perImage4(n, (k) => {
      const cc = applied(u[k], s.contrast) ? 2 ** (v[k] * s.contrastStd) : 1;
      return [cc, 0, 0, 0, 0, cc, 0, 0, 0, 0, cc, 0, 0, 0, 0, 1];
    }));
  }
  if (s.lumaflip > 0) {
    const v = d.rand([n, 1, 1]), u = d.rand([n, 1, 1]);
    before(perImage4(n, (k) => {
      const i = applied(u[k], s.lumaflip) ? Math.floor(v[k] * 2) : 0;
      // Householder reflection I - 2 v v^T i.
      return Array.from({ length: 16 }, (_, e) => (e % 5 === 0 ? 1 : 0) - (e < 12 && e % 4 < 3 ? 2 * v3 * v3 * i : 0));
    }));
  }
  if (s.hue > 0 && c > 1) {
    const v = d.rand([n]), u = d.rand([n]);
    before(perImage4(n, (k) => {
      const t = applied(u[k], s.hue) ? (v[k] * 2 - 1) * Math.PI * s.hueMax : 0;
      const sn = Math.sin(t), cs = Math.cos(t), cc = 1 - cs, a = v3 * v3 * cc, b = v3 * sn;
      // rotate3d(v, theta) with vx = vy = vz.
      return [a + cs, a - b, a + b, 0, a + b, a + cs, a - b, 0, a - b, a + b, a + cs, 0, 0, 0, 0, 1];
    }));
  }
  if (s.saturation > 0 && c > 1) {
    const v = d.randn([n, 1, 1]), u = d.rand([n, 1, 1]);
    before(perImage4(n, (k) => {
      const sat = applied(u[k], s.saturation) ? 2 ** (v[k] * s.saturationStd) : 1;
      // v v^T + (I - v v^T) * s.
      return Array.from({ length: 16 }, (_, e) => {
        const vv = e < 12 && e % 4 < 3 ? v3 * v3 : 0;
        return vv + ((e % 5 === 0 ? 1 : 0) - vv) * sat;
      });
    }));
  }

  let gains: Float64Array | null = null;
  if (s.imgfilter > 0) {
    gains = new Float64Array(n * NUM_BANDS).fill(1);
    for (let i = 0; i < NUM_BANDS; i++) {
      const v = d.randn([n]), u = d.rand([n]);
      for (let k = 0; k < n; k++) {
        const t = new Array(NUM_BANDS).fill(1);
        t[i] = u[k] < f(s.imgfilter * pf * s.imgfilterBands[i]) ? 2 ** (v[k] * s.imgfilterStd) : 1;
        const norm = Math.sqrt(t.reduce((a, x, j) => a + FBANK_EXPECTED_POWER[j] * x * x, 0));
        for (let j = 0; j < NUM_BANDS; j++) gains[k * NUM_BANDS + j] *= t[j] / norm;
      }
    }
  }

  let noise: AugmentParams['noise'] = null;
  if (s.noise > 0) {
    const v = d.randn([n, 1, 1, 1]), u = d.rand([n, 1, 1, 1]);
    const sigma = Float64Array.from(v, (x, k) => (applied(u[k], s.noise) ? Math.abs(x) * s.noiseStd : 0));
    noise = { sigma, field: d.randn([n, c, h, w]) };
  }

  let cutout: AugmentParams['cutout'] = null;
  if (s.cutout > 0) {
    const u = d.rand([n, 1, 1, 1, 1]);
    const size = Float64Array.from(u, (x) => (applied(x, s.cutout) ? s.cutoutSize : 0));
    cutout = { size, center: d.rand([n, 2, 1, 1, 1]) };
  }
  return { batch: n, gInv: g, color: C, filterGains: gains, noise, cutout };
}
