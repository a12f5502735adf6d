/**
 * Loads the C++ addon in native/ (built by `npm install` through native/build.mjs). Node only.
 * Every function works in place on Float32Arrays the caller owns.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';

export interface NativeAddon {
  /** geom: Int32Array [n, h, w, ci, kh, kw, co, oh, ow, strideH, strideW, dilH, dilW, padTop, padLeft]. */
  conv2d(x: Float32Array, w: Float32Array, y: Float32Array, geom: Int32Array): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, geom: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geom: Int32Array): void;
  /** As conv2d with co = the channel multiplier. */
  depthwiseConv2d(x: Float32Array, w: Float32Array, y: Float32Array, geom: Int32Array): void;
  depthwiseBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, geom: Int32Array): void;
  depthwiseBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geom: Int32Array): void;
  /**
   * out = op(a, b) over an N-d region (rank <= 8): meta is [rank, outOffset, aOffset, bOffset,
   * shape x rank, outStrides x rank, aStrides x rank, bStrides x rank] in elements; a and b may be
   * null where the op does not read them; alpha feeds Fill, Step and LeakyRelu. Ops: NdOp.
   */
  nd(op: number, out: Float32Array, a: Float32Array | null, b: Float32Array | null, meta: Int32Array, alpha: number): void;
  /** Reduces contiguous x; meta [rank, shape x rank, reducedFlag x rank]; ops: 0 sum, 1 mean, 2 max, 3 min. */
  reduce(op: number, x: Float32Array, out: Float32Array, meta: Int32Array): void;
  /** dims: Int32Array [batchA, batchB, m, n, k, transposeA, transposeB]. */
  batchMatMul(a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** Seconds for `iters` n^3 sgemms on all threads (OpenBLAS' own threading): the machine's peak. */
  sgemmSeconds(n: number, iters: number): number;
  /** y = clamp(act(x + b) * gain) over [rows, c]; alpha 1 = linear; clamp < 0 = none. */
  biasAct(x: Float32Array, b: Float32Array | null, y: Float32Array, rows: number, c: number, alpha: number, gain: number, clamp: number): void;
  biasActGrad(dy: Float32Array, x: Float32Array, b: Float32Array | null, dx: Float32Array, rows: number, c: number, alpha: number, gain: number, clamp: number): void;
  /** geom: Int32Array [n, h, w, c, up, down, x0, x1, y0, y1, kh, kw, oh, ow]; k: correlation kernel [kh, kw]. */
  upfirdn2d(x: Float32Array, k: Float32Array, y: Float32Array, geom: Int32Array): void;
  /**
   * StyleGAN3's filtered_lrelu into y; geom Int32Array [n, h, w, c, up, down, px0, px1, py0, py1,
   * kuh, kuw, kuSep, kdh, kdw, kdSep, oh, ow]; ku, kd correlation kernels; consts [gain, slope, clamp].
   */
  filteredLrelu(x: Float32Array, b: Float32Array, ku: Float32Array, kd: Float32Array, y: Float32Array, geom: Int32Array, consts: Float32Array): void;
  /** Its gradient wrt x into dx. */
  filteredLreluGrad(dy: Float32Array, x: Float32Array, b: Float32Array, ku: Float32Array, kd: Float32Array, dx: Float32Array, geom: Int32Array, consts: Float32Array): void;
  /**
   * ADA's geometric stage on NHWC x [n, h, w, c] into y (the same shape), or with transpose its
   * transpose; geom Int32Array [n, h, w, c, ih2, iw2, oh2, ow2, transpose] (ops/fused.ts AugmentGeomAttrs).
   */
  augmentGeom(x: Float32Array, theta: Float64Array, upX: Float32Array, upY: Float32Array, downX: Float32Array, downY: Float32Array,
    y: Float32Array, geom: Int32Array): void;
  /** One Adam step into pOut/mOut/vOut; consts: [lr, beta1, beta2, 1 - beta1, 1 - beta2, c1, c2, eps, clip]. */
  adam(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, pOut: Float32Array, mOut: Float32Array, vOut: Float32Array, consts: Float32Array): void;
  /** The CPU kernel set OpenBLAS picked (e.g. 'SkylakeX', 'Haswell'; 'Prescott' means SSE3 only). */
  blasCore(): string;
  setThreads(n: number): void;
  threads(): number;
}

/** Op codes of NativeAddon.nd (native/src/elementwise.h). */
export const NdOp = {
  Copy: 0, Add: 1, Sub: 2, Mul: 3, Div: 4, Max: 5, Min: 6, SquaredDifference: 7, Fill: 8,
  Abs: 20, Square: 21, Sqrt: 22, Rsqrt: 23, Neg: 24, Step: 25, Exp: 26, Log: 27, Relu: 28, LeakyRelu: 29,
  Sigmoid: 30, Softplus: 31, Tanh: 32, Reciprocal: 33, Sin: 34, Cos: 35,
} as const;

/** The addon's path, whether or not it has been built. */
export const NATIVE_ADDON_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native/build/Release/stylegan_native.node');

/**
 * OpenBLAS' kernel set for this CPU, when its own detection would miss it: Debian's OpenBLAS
 * (0.3.21) does not know newer Xeons (e.g. family 6 model 207) and falls back to its SSE3
 * 'Prescott' kernels, 6x slower than its AVX-512 ones on the same machine (41 vs 237 GFLOP/s
 * measured). Read from the CPU flags; an OPENBLAS_CORETYPE the user set wins.
 */
export function openblasCoreFor(cpuinfo: string): string | undefined {
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1].trim().split(/\s+/) ?? []);
  if (['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f))) return 'SkylakeX';
  if (['avx2', 'fma'].every((f) => flags.has(f))) return 'Haswell';
  return undefined;
}

function chooseOpenblasCore(): void {
  if (process.env.OPENBLAS_CORETYPE) return;
  let cpuinfo = '';
  try { cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8'); } catch { return; }  // not Linux: OpenBLAS decides
  const core = openblasCoreFor(cpuinfo);
  // Read by libopenblas when it is loaded, i.e. by the require below.
  if (core) process.env.OPENBLAS_CORETYPE = core;
}

let cached: { addon: NativeAddon | null; error: string } | undefined;

/** The addon, or null with the reason (first line of the loader's error) when it cannot be loaded. */
export function loadNativeAddon(): { addon: NativeAddon | null; error: string } {
  if (cached) return cached;
  try {
    chooseOpenblasCore();
    const addon = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeAddon;
    const threads = Number(process.env.STYLEGAN_THREADS);
    if (Number.isInteger(threads) && threads > 0) addon.setThreads(threads);
    cached = { addon, error: '' };
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    cached = { addon: null, error: /Cannot find module/.test(msg) ? 'the addon is not built (run npm install)' : msg };
  }
  return cached;
}
