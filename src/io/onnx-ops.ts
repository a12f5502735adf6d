/** NCHW building blocks shared by the ONNX exporters (graphs built with {@link OnnxGraph}). */
import type { RawTensor } from '../networks/params.js';
import type { OnnxGraph } from './onnx-proto.js';

/** x * rsqrt(mean(x^2, axis 1) + 1e-8): normalize_2nd_moment / pixel norm of [N, C]. */
export function normalize2nd(g: OnnxGraph, x: string): string {
  const m = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: { ints: [1] }, keepdims: { i: 1 } });
  return g.op('Div', [x, g.op('Sqrt', [g.op('Add', [m, g.scalar(1e-8)])])]);
}

/** [N, C] -> [N, C, 1, 1], to scale NCHW activations per sample and channel. */
export function col(g: OnnxGraph, x: string): string {
  return g.op('Reshape', [x, g.ints([0, -1, 1, 1])]);
}

/** Our HWIO weight times `scale` as Conv's [out, in, kh, kw] (`transpose`: ConvTranspose's [in, out, kh, kw]). */
export function convWeight(g: OnnxGraph, name: string, w: RawTensor, scale = 1, transpose = false): string {
  const [kh, kw, ci, co] = w.shape, out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
    const dst = transpose ? ((i * co + o) * kh + y) * kw + x : ((o * ci + i) * kh + y) * kw + x;
    out[dst] = w.data[((y * kw + x) * ci + i) * co + o] * scale;
  }
  return g.tensor(name, transpose ? [ci, co, kh, kw] : [co, ci, kh, kw], out);
}

/** A 2-D kernel [n, n] applied to each of `c` channels by correlation (a depthwise Conv), with symmetric `pad`. */
export function depthwise(g: OnnxGraph, x: string, c: number, k: Float32Array, n: number, pad = 0): string {
  const w = new Float32Array(c * n * n);
  for (let ch = 0; ch < c; ch++) w.set(k, ch * n * n);
  return g.op('Conv', [x, g.tensor('fir', [c, 1, n, n], w)], { group: { i: c }, pads: { ints: [pad, pad, pad, pad] } });
}

/** Each pixel of [N, c, H, W] into the top-left of a `f` x `f` block of zeros (`fill`: the whole block). */
export function spread(g: OnnxGraph, x: string, c: number, f: number, fill: boolean): string {
  const k = fill ? f : 1;
  const ones = g.tensor('ones', [c, 1, k, k], new Float32Array(c * k * k).fill(1));
  return g.op('ConvTranspose', [x, ones], { group: { i: c }, strides: { ints: [f, f] }, output_padding: { ints: [f - k, f - k] } });
}
