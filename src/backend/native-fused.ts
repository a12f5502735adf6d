/**
 * The 'native' backend's fused kernels (src/ops/fused.ts names them and registers their
 * gradients): bias_act and its gradient, upfirdn2d, StyleGAN3's filtered_lrelu and its gradient, and Adam with nan_to_num, each one addon call.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { FUSED, registerFusedGradients, upfirdnSize, type AugmentGeomAttrs, type BiasActAttrs, type UpFirDnAttrs } from '../ops/fused.js';
import type { FilteredLreluAttrs } from '../ops/filtered-lrelu.js';
import { allocOutput } from './buffer-pool.js';
import type { NativeAddon } from './native-addon.js';

function f32(backend: MathBackendCPU, t: TensorInfo, what: string): Float32Array {
  const v = backend.data.get(t.dataId).values;
  if (!(v instanceof Float32Array)) throw new Error(`fused kernel: ${what} must be float32`);
  return v;
}

function lastDim(x: TensorInfo, b: TensorInfo | undefined, what: string): { rows: number; c: number } {
  const c = x.shape.length ? x.shape[x.shape.length - 1] : 1;
  if (b && (b.shape.length !== 1 || b.shape[0] !== c)) throw new Error(`${what}: bias [${b.shape}] does not match x [${x.shape}]`);
  return { rows: c ? tf.util.sizeFromShape(x.shape) / c : 0, c };
}

export function fusedKernels(addon: NativeAddon): Record<string, KernelFunc> {
  registerFusedGradients();
  const act = (withBias: boolean): KernelFunc => (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, b } = args.inputs as { x: TensorInfo; b?: TensorInfo };
    const { alpha, gain, clamp } = args.attrs as unknown as BiasActAttrs;
    const { rows, c } = lastDim(x, withBias ? b : undefined, FUSED.biasAct);
    const y = allocOutput(backend, tf.util.sizeFromShape(x.shape));
    if (y.length) addon.biasAct(f32(backend, x, 'x'), withBias ? f32(backend, b!, 'b') : null, y, rows, c, alpha, gain, clamp);
    return backend.makeTensorInfo(x.shape, 'float32', y);
  };
  const actGrad = (withBias: boolean): KernelFunc => (args) => {
    const backend = args.backend as MathBackendCPU;
    const { dy, x, b } = args.inputs as { dy: TensorInfo; x: TensorInfo; b?: TensorInfo };
    const { alpha, gain, clamp } = args.attrs as unknown as BiasActAttrs;
    const { rows, c } = lastDim(x, withBias ? b : undefined, FUSED.biasActGrad);
    const dx = allocOutput(backend, tf.util.sizeFromShape(x.shape));
    if (dx.length) addon.biasActGrad(f32(backend, dy, 'dy'), f32(backend, x, 'x'), withBias ? f32(backend, b!, 'b') : null, dx, rows, c, alpha, gain, clamp);
    return backend.makeTensorInfo(x.shape, 'float32', dx);
  };
  const upfirdn2d: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const a = args.attrs as unknown as UpFirDnAttrs;
    const [n, h, w, c] = x.shape;
    const [x0, x1, y0, y1] = a.pad;
    const oh = upfirdnSize(h, a.up, y0, y1, a.kh, a.down), ow = upfirdnSize(w, a.up, x0, x1, a.kw, a.down);
    if (oh < 1 || ow < 1) throw new Error(`upfirdn2d: [${x.shape}] with pad [${a.pad}] and a ${a.kh}x${a.kw} kernel leaves no output`);
    const y = allocOutput(backend, n * oh * ow * c);
    addon.upfirdn2d(f32(backend, x, 'x'), Float32Array.from(a.k), y, Int32Array.from([n, h, w, c, a.up, a.down, x0, x1, y0, y1, a.kh, a.kw, oh, ow]));
    return backend.makeTensorInfo([n, oh, ow, c], 'float32', y);
  };
  // filtered_lrelu and its gradient: geometry from x's shape and the attributes.
  const flGeom = (x: TensorInfo, a: FilteredLreluAttrs) => {
    const [n, h, w, c] = x.shape;
    const [px0, px1, py0, py1] = a.padding;
    const size = (s: number[]) => (s.length === 1 ? [s[0], s[0], 1] : [s[0], s[1], 0]);
    const [kuh, kuw, kuSep] = size(a.kuShape), [kdh, kdw, kdSep] = size(a.kdShape);
    const oh = Math.floor((h * a.up + py0 + py1 - kuh - kdh + 2 + a.down - 1) / a.down), ow = Math.floor((w * a.up + px0 + px1 - kuw - kdw + 2 + a.down - 1) / a.down);
    return {
      geom: Int32Array.from([n, h, w, c, a.up, a.down, px0, px1, py0, py1, kuh, kuw, kuSep, kdh, kdw, kdSep, oh, ow]),
      consts: Float32Array.from([a.gain, a.slope, a.clamp]), ku: Float32Array.from(a.ku), kd: Float32Array.from(a.kd), outShape: [n, oh, ow, c],
    };
  };
  const filteredLrelu: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, b } = args.inputs as { x: TensorInfo; b: TensorInfo };
    const g = flGeom(x, args.attrs as unknown as FilteredLreluAttrs);
    const y = allocOutput(backend, tf.util.sizeFromShape(g.outShape));
    addon.filteredLrelu(f32(backend, x, 'x'), f32(backend, b, 'b'), g.ku, g.kd, y, g.geom, g.consts);
    return backend.makeTensorInfo(g.outShape, 'float32', y);
  };
  const filteredLreluGrad: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { dy, x, b } = args.inputs as { dy: TensorInfo; x: TensorInfo; b: TensorInfo };
    const g = flGeom(x, args.attrs as unknown as FilteredLreluAttrs);
    const dx = allocOutput(backend, tf.util.sizeFromShape(x.shape));
    addon.filteredLreluGrad(f32(backend, dy, 'dy'), f32(backend, x, 'x'), f32(backend, b, 'b'), g.ku, g.kd, dx, g.geom, g.consts);
    return backend.makeTensorInfo(x.shape, 'float32', dx);
  };
  // ADA's geometric stage and its transpose: NHWC in, the same shape out.
  const augmentGeom = (transpose: boolean): KernelFunc => (args) => {
    const backend = args.backend as MathBackendCPU;
    const x = (transpose ? args.inputs.dy : args.inputs.x) as TensorInfo;
    const a = args.attrs as unknown as AugmentGeomAttrs;
    const [n, h, w, c] = x.shape;
    const y = allocOutput(backend, n * h * w * c), xv = f32(backend, x, 'x');
    const run = (xs: Float32Array, theta: Float64Array, ys: Float32Array, m: number) =>
      addon.augmentGeom(xs, theta, a.upX, a.upY, a.downX, a.downY, ys, Int32Array.from([m, h, w, c, ...a.dims, transpose ? 1 : 0]));
    if (!a.pass?.some((v) => v)) {
      run(xv, a.theta, y, n);
      return backend.makeTensorInfo(x.shape, 'float32', y);
    }
    // Images without a transform are copied; the others are resampled as one smaller batch.
    const size = h * w * c, moved = Array.from({ length: n }, (_, b) => b).filter((b) => !a.pass![b]);
    const xs = new Float32Array(moved.length * size), ys = new Float32Array(moved.length * size), theta = new Float64Array(moved.length * 6);
    moved.forEach((b, i) => {
      xs.set(xv.subarray(b * size, (b + 1) * size), i * size);
      theta.set(a.theta.subarray(b * 6, b * 6 + 6), i * 6);
    });
    if (moved.length) run(xs, theta, ys, moved.length);
    for (let b = 0, i = 0; b < n; b++) y.set(a.pass![b] ? xv.subarray(b * size, (b + 1) * size) : ys.subarray(i++ * size, i * size), b * size);
    return backend.makeTensorInfo(x.shape, 'float32', y);
  };
  const adam: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { p, m, v, g } = args.inputs as Record<'p' | 'm' | 'v' | 'g', TensorInfo>;
    const a = args.attrs as NamedAttrMap as Record<string, number>;
    const n = tf.util.sizeFromShape(p.shape);
    const out = [allocOutput(backend, n), allocOutput(backend, n), allocOutput(backend, n)];
    // float32 constants, as the unfused ops' scalar tensors hold them.
    const k = Float32Array.from([a.lr, a.beta1, a.beta2, 1 - a.beta1, 1 - a.beta2, a.c1, a.c2, a.eps, a.clip]);
    addon.adam(f32(backend, p, 'p'), f32(backend, m, 'm'), f32(backend, v, 'v'), f32(backend, g, 'g'), out[0], out[1], out[2], k);
    return out.map((values) => backend.makeTensorInfo(p.shape, 'float32', values));
  };
  return {
    [FUSED.biasAct]: act(true), [FUSED.act]: act(false),
    [FUSED.biasActGrad]: actGrad(true), [FUSED.actGrad]: actGrad(false),
    [FUSED.upfirdn2d]: upfirdn2d, [FUSED.adam]: adam,
    // Only with an addon built from these sources (an older build falls back to the composite ops).
    ...(typeof addon.filteredLrelu === 'function' ? { [FUSED.filteredLrelu]: filteredLrelu, [FUSED.filteredLreluGrad]: filteredLreluGrad } : {}),
    ...(typeof addon.augmentGeom === 'function' ? { [FUSED.augmentGeom]: augmentGeom(false), [FUSED.augmentGeomT]: augmentGeom(true) } : {}),
  };
}
