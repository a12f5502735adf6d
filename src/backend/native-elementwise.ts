/**
 * Element-wise, reduction and data-movement kernels of the 'native' backend. The cpu backend's
 * JS versions walk broadcasts and slices element by element through index arithmetic (a
 * broadcast Multiply runs at ~20 M elements/s); here each is one strided loop in the addon.
 * Non-float32 inputs fall through to the cpu kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo, NamedAttrMap } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { allocOutput } from './buffer-pool.js';
import { values } from './native-kernels.js';
import { NdOp, type NativeAddon } from './native-addon.js';

const MAX_RANK = 8;

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, acc = 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}


/**
 * Binary ops whose result is float32: a float32 operand with a float32, int32 or bool one (tfjs
 * upcasts; e.g. Mean's gradient divides by an int32 count), read as float32.
 */
const floatResult = (ts: TensorInfo[]) => ts.length > 0 && ts.some((t) => t.dtype === 'float32')
  && ts.every((t) => (t.dtype === 'float32' || t.dtype === 'int32' || t.dtype === 'bool') && t.shape.length <= MAX_RANK);

interface Operand { data: Float32Array | null; offset: number; strides: number[] }

/** One addon call over `shape`; every operand's strides are given per output dim. */
function nd(addon: NativeAddon, op: number, shape: readonly number[], out: Operand, a: Operand | null, b: Operand | null, alpha = 0): void {
  const r = shape.length;
  const meta = new Int32Array(4 + 4 * r);
  meta[0] = r;
  const ops = [out, a, b];
  ops.forEach((o, k) => { meta[1 + k] = o?.offset ?? 0; });
  meta.set(shape, 4);
  ops.forEach((o, k) => meta.set(o?.strides ?? new Array<number>(r).fill(0), 4 + (k + 1) * r));
  addon.nd(op, out.data!, a?.data ?? null, b?.data ?? null, meta, alpha);
}

/** Strides of `inShape` broadcast to `outShape` (numpy rules: 0 where the input has size 1 or no dim). */
function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const s = strides(inShape);
  const lead = outShape.length - inShape.length;
  return outShape.map((_, d) => (d < lead || inShape[d - lead] === 1 ? 0 : s[d - lead]));
}

type Kernel = (args: { inputs: Record<string, TensorInfo>; backend: MathBackendCPU; attrs: NamedAttrMap }) => TensorInfo | TensorInfo[] | null;

function withFallback(name: string, fn: Kernel, usable: (inputs: TensorInfo[], attrs: NamedAttrMap) => boolean): KernelFunc {
  const cpu = tf.getKernel(name, 'cpu');
  if (!cpu) throw new Error(`native backend: the cpu backend has no ${name} kernel`);
  return (args) => {
    const inputs = args.inputs as Record<string, TensorInfo>;
    const list = Object.values(inputs).filter((t): t is TensorInfo => t != null);
    const attrs = args.attrs ?? {};
    if (!usable(list, attrs)) return cpu.kernelFunc(args);
    const r = fn({ inputs, backend: args.backend as MathBackendCPU, attrs });
    return r ?? cpu.kernelFunc(args);
  };
}

const floats = (ts: TensorInfo[]) => ts.length > 0 && ts.every((t) => t.dtype === 'float32') && ts.every((t) => t.shape.length <= MAX_RANK);

export function elementwiseKernels(addon: NativeAddon): Record<string, KernelFunc> {
  const out: Record<string, KernelFunc> = {};
  const make = (shape: number[], be: MathBackendCPU, data: Float32Array) => be.makeTensorInfo(shape, 'float32', data);

  const binary = (name: string, op: number) => {
    out[name] = withFallback(name, ({ inputs: { a, b }, backend }) => {
      const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const res = allocOutput(backend, tf.util.sizeFromShape(shape));
      nd(addon, op, shape, { data: res, offset: 0, strides: strides(shape) },
        { data: values(backend, a), offset: 0, strides: broadcastStrides(a.shape, shape) },
        { data: values(backend, b), offset: 0, strides: broadcastStrides(b.shape, shape) });
      return make(shape, backend, res);
    }, floatResult);
  };
  binary('Add', NdOp.Add); binary('Sub', NdOp.Sub); binary('Multiply', NdOp.Mul); binary('RealDiv', NdOp.Div);
  binary('Maximum', NdOp.Max); binary('Minimum', NdOp.Min); binary('SquaredDifference', NdOp.SquaredDifference);

  const unary = (name: string, op: number, alpha?: (attrs: NamedAttrMap) => number) => {
    out[name] = withFallback(name, ({ inputs: { x }, backend, attrs }) => {
      const res = allocOutput(backend, tf.util.sizeFromShape(x.shape));
      const flat = [res.length];
      nd(addon, op, flat, { data: res, offset: 0, strides: [1] }, { data: values(backend, x), offset: 0, strides: [1] }, null, alpha?.(attrs) ?? 0);
      return make(x.shape, backend, res);
    }, floats);
  };
  unary('Abs', NdOp.Abs); unary('Square', NdOp.Square); unary('Sqrt', NdOp.Sqrt); unary('Rsqrt', NdOp.Rsqrt);
  unary('Neg', NdOp.Neg); unary('Exp', NdOp.Exp); unary('Log', NdOp.Log); unary('Relu', NdOp.Relu);
  unary('Sigmoid', NdOp.Sigmoid); unary('Softplus', NdOp.Softplus); unary('Tanh', NdOp.Tanh); unary('Reciprocal', NdOp.Reciprocal);
  // Sin and Cos (StyleGAN3's Fourier features and their gradient) only with an addon that has them.
  const has = (op: number) => {
    try {
      nd(addon, op, [1], { data: new Float32Array(1), offset: 0, strides: [1] }, { data: new Float32Array(1), offset: 0, strides: [1] }, null);
      return true;
    } catch {
      return false;
    }
  };
  if (has(NdOp.Sin)) { unary('Sin', NdOp.Sin); unary('Cos', NdOp.Cos); }
  unary('Step', NdOp.Step, (a) => (a.alpha as number | undefined) ?? 0);
  unary('LeakyRelu', NdOp.LeakyRelu, (a) => a.alpha as number);

  const reduction = (name: string, op: number, axisAttr: string) => {
    out[name] = withFallback(name, ({ inputs: { x }, backend, attrs }) => {
      const axes = tf.util.parseAxisParam(attrs[axisAttr] as number | number[], x.shape);
      const flags = x.shape.map((_, d) => (axes.includes(d) ? 1 : 0));
      const kept = x.shape.filter((_, d) => !flags[d]);
      const res = allocOutput(backend, tf.util.sizeFromShape(kept));
      addon.reduce(op, values(backend, x), res, Int32Array.from([x.shape.length, ...x.shape, ...flags]));
      const shape = attrs.keepDims ? x.shape.map((s, d) => (flags[d] ? 1 : s)) : kept;
      return make(shape, backend, res);
    }, (ts) => floats(ts) && ts[0].shape.length > 0);
  };
  reduction('Sum', 0, 'axis'); reduction('Mean', 1, 'axis'); reduction('Max', 2, 'reductionIndices'); reduction('Min', 3, 'axis');

  // Contiguous slices stay the cpu backend's zero-copy views; strided ones are one nd copy.
  const slice = (backend: MathBackendCPU, x: TensorInfo, begin: number[], size: number[]): TensorInfo | null => {
    if (tf.slice_util.isSliceContinous(x.shape, begin, size)) return null;
    const xs = strides(x.shape);
    const res = allocOutput(backend, tf.util.sizeFromShape(size));
    nd(addon, NdOp.Copy, size, { data: res, offset: 0, strides: strides(size) },
      { data: values(backend, x), offset: begin.reduce((acc, b, d) => acc + b * xs[d], 0), strides: xs }, null);
    return make(size, backend, res);
  };
  out.Slice = withFallback('Slice', ({ inputs: { x }, backend, attrs }) => {
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin as number[], attrs.size as number[]);
    return slice(backend, x, begin, size);
  }, floats);
  const cpuSlice = tf.getKernel('Slice', 'cpu')!.kernelFunc;
  out.SplitV = withFallback('SplitV', ({ inputs: { x }, backend, attrs }) => {
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits as number | number[], axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[axis] = s;
      const r = slice(backend, x, begin.slice(), size) ?? (cpuSlice({ inputs: { x }, backend, attrs: { begin: begin.slice(), size } }) as TensorInfo);
      begin[axis] += s;
      return r;
    });
  }, floats);

  out.Tile = withFallback('Tile', ({ inputs: { x }, backend, attrs }) => {
    const reps = attrs.reps as number[];
    const shape = x.shape.map((s, d) => s * reps[d]);
    const res = allocOutput(backend, tf.util.sizeFromShape(shape));
    // Output viewed as [reps0, s0, reps1, s1, ...]: the rep dims read the input with stride 0.
    const os = strides(shape), xs = strides(x.shape);
    const dims = x.shape.flatMap((s, d) => [reps[d], s]);
    nd(addon, NdOp.Copy, dims, { data: res, offset: 0, strides: x.shape.flatMap((s, d) => [s * os[d], os[d]]) },
      { data: values(backend, x), offset: 0, strides: xs.flatMap((s) => [0, s]) }, null);
    return make(shape, backend, res);
  }, (ts) => floats(ts) && ts[0].shape.length * 2 <= MAX_RANK);

  out.Transpose = withFallback('Transpose', ({ inputs: { x }, backend, attrs }) => {
    const perm = attrs.perm as number[];
    const shape = perm.map((p) => x.shape[p]);
    const xs = strides(x.shape);
    const res = allocOutput(backend, tf.util.sizeFromShape(shape));
    nd(addon, NdOp.Copy, shape, { data: res, offset: 0, strides: strides(shape) }, { data: values(backend, x), offset: 0, strides: perm.map((p) => xs[p]) }, null);
    return make(shape, backend, res);
  }, floats);

  out.PadV2 = withFallback('PadV2', ({ inputs: { x }, backend, attrs }) => {
    const pads = attrs.paddings as Array<[number, number]>;
    const shape = x.shape.map((s, d) => pads[d][0] + s + pads[d][1]);
    const res = allocOutput(backend, tf.util.sizeFromShape(shape), true);
    const os = strides(shape);
    const value = (attrs.constantValue as number | undefined) ?? 0;
    if (value !== 0) nd(addon, NdOp.Fill, [res.length], { data: res, offset: 0, strides: [1] }, null, null, value);
    nd(addon, NdOp.Copy, x.shape, { data: res, offset: pads.reduce((acc, p, d) => acc + p[0] * os[d], 0), strides: os },
      { data: values(backend, x), offset: 0, strides: strides(x.shape) }, null);
    return make(shape, backend, res);
  }, floats);

  out.Concat = withFallback('Concat', ({ inputs, backend, attrs }) => {
    const list = Object.values(inputs);
    const axis = tf.util.parseAxisParam(attrs.axis as number, list[0].shape)[0];
    const shape = tf.backend_util.computeOutShape(list.map((t) => t.shape), axis);
    const res = allocOutput(backend, tf.util.sizeFromShape(shape));
    const os = strides(shape);
    let at = 0;
    for (const t of list) {
      if (tf.util.sizeFromShape(t.shape) > 0) {
        nd(addon, NdOp.Copy, t.shape, { data: res, offset: at * os[axis], strides: os }, { data: values(backend, t), offset: 0, strides: strides(t.shape) }, null);
      }
      at += t.shape[axis];
    }
    return make(shape, backend, res);
  }, (ts) => floats(ts) && ts[0].shape.length > 0);

  return out;
}
