/**
 * The 'native' backend's hot kernels: thin wrappers that read the cpu backend's typed arrays,
 * let the C++ addon fill a fresh Float32Array and hand it back as the output's storage (no
 * copies). Anything the addon does not cover (NCHW, non-float32) falls through to the cpu kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo, NamedAttrMap } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { allocOutput } from './buffer-pool.js';
import type { NativeAddon } from './native-addon.js';

type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;
type Shape4 = [number, number, number, number];

/** A tensor's storage as float32 (the typed array itself when it is one). */
export function values(backend: MathBackendCPU, t: TensorInfo): Float32Array {
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

function cpuKernel(name: string): KernelFunc {
  const k = tf.getKernel(name, 'cpu');
  if (!k) throw new Error(`native backend: the cpu backend has no ${name} kernel`);
  return k.kernelFunc;
}

/** Geometry for the addon; co is the channel multiplier for depthwise convs. */
function geometry(c: Conv2DInfo, co: number): Int32Array {
  return Int32Array.from([c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.filterHeight, c.filterWidth, co,
    c.outHeight, c.outWidth, c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth, c.padInfo.top, c.padInfo.left]);
}

const isNHWC = (attrs: NamedAttrMap) => attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC' || attrs.dataFormat === 'channelsLast';
const allFloat = (...ts: Array<TensorInfo | undefined>) => ts.every((t) => t == null || t.dtype === 'float32');

type ConvCall = 'conv2d' | 'conv2dBackpropInput' | 'conv2dBackpropFilter' | 'depthwiseConv2d' | 'depthwiseBackpropInput' | 'depthwiseBackpropFilter';

/**
 * One kernel over the addon: `info` derives the conv geometry from the kernel's inputs and
 * attrs and names the two operands and the output shape.
 */
function convKernel(addon: NativeAddon, name: string, call: ConvCall,
  info: (inputs: Record<string, TensorInfo>, attrs: NamedAttrMap) => { a: TensorInfo; b: TensorInfo; conv: Conv2DInfo; co: number; outShape: number[] }): KernelFunc {
  const fallback = cpuKernel(name);
  return (args) => {
    const inputs = args.inputs as Record<string, TensorInfo>;
    if (!isNHWC(args.attrs ?? {}) || !allFloat(...Object.values(inputs))) return fallback(args);
    const backend = args.backend as MathBackendCPU;
    const { a, b, conv, co, outShape } = info(inputs, args.attrs ?? {});
    const out = allocOutput(backend, outShape.reduce((p, q) => p * q, 1));
    addon[call](values(backend, a), values(backend, b), out, geometry(conv, co));
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

const shape4 = (t: TensorInfo) => t.shape as Shape4;
const conv2dInfo = (xShape: Shape4, fShape: Shape4, attrs: NamedAttrMap, depthwise = false) =>
  tf.backend_util.computeConv2DInfo(xShape, fShape, attrs.strides as number | [number, number], (attrs.dilations ?? 1) as number | [number, number],
    attrs.pad as 'same', attrs.dimRoundingMode as 'floor' | undefined, depthwise, 'channelsLast');

/** Applies a fused op's bias and activation with the cpu kernels (cheap next to the conv/matmul). */
function biasActivation(backend: MathBackendCPU, y: TensorInfo, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo {
  let cur = y;
  const step = (next: TensorInfo) => { backend.disposeIntermediateTensorInfo(cur); cur = next; };
  if (inputs.bias) step(cpuKernel('Add')({ inputs: { a: cur, b: inputs.bias }, backend }) as TensorInfo);
  const act = attrs.activation as string | undefined;
  const one = (k: string, extra: NamedAttrMap = {}) => cpuKernel(k)({ inputs: { x: cur }, backend, attrs: extra }) as TensorInfo;
  if (act === 'relu') step(one('Relu'));
  else if (act === 'relu6') step(one('Relu6'));
  else if (act === 'elu') step(one('Elu'));
  else if (act === 'sigmoid') step(one('Sigmoid'));
  else if (act === 'leakyrelu') step(one('LeakyRelu', { alpha: attrs.leakyreluAlpha as number }));
  else if (act === 'prelu') step(cpuKernel('Prelu')({ inputs: { x: cur, alpha: inputs.preluActivationWeights }, backend }) as TensorInfo);
  else if (act && act !== 'linear') throw new Error(`native backend: activation ${act} is not supported`);
  return cur;
}

function batchMatMulKernel(addon: NativeAddon): KernelFunc {
  const fallback = cpuKernel('BatchMatMul');
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (!allFloat(a, b)) return fallback(args);
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const backend = args.backend as MathBackendCPU;
    const ra = a.shape.length, rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (k !== kb) throw new Error(`Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
    const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batchA = a.shape.slice(0, -2).reduce((p, q) => p * q, 1), batchB = b.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    const out = allocOutput(backend, Math.max(batchA, batchB) * m * n, k === 0);
    addon.batchMatMul(values(backend, a), values(backend, b), out, Int32Array.from([batchA, batchB, m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0]));
    return backend.makeTensorInfo([...outer, m, n], 'float32', out);
  };
}

/** The kernels the addon replaces, by tfjs kernel name. */
export function nativeKernels(addon: NativeAddon): Record<string, KernelFunc> {
  const conv2D = convKernel(addon, 'Conv2D', 'conv2d', ({ x, filter }, attrs) => {
    const conv = conv2dInfo(shape4(x), shape4(filter), attrs);
    return { a: x, b: filter, conv, co: conv.outChannels, outShape: conv.outShape };
  });
  const depthwise = convKernel(addon, 'DepthwiseConv2dNative', 'depthwiseConv2d', ({ x, filter }, attrs) => {
    const conv = conv2dInfo(shape4(x), shape4(filter), attrs, true);
    return { a: x, b: filter, conv, co: filter.shape[3], outShape: conv.outShape };
  });
  const batchMatMul = batchMatMulKernel(addon);
  const fused = (inner: KernelFunc, fallbackName: string): KernelFunc => {
    const fallback = cpuKernel(fallbackName);
    return (args) => {
      const inputs = args.inputs as Record<string, TensorInfo>;
      if (!isNHWC(args.attrs ?? {}) || !allFloat(...Object.values(inputs))) return fallback(args);
      const y = inner(args) as TensorInfo;
      return biasActivation(args.backend as MathBackendCPU, y, inputs, args.attrs ?? {});
    };
  };
  return {
    Conv2D: conv2D,
    Conv2DBackpropInput: convKernel(addon, 'Conv2DBackpropInput', 'conv2dBackpropInput', ({ dy, filter }, attrs) => {
      const inputShape = attrs.inputShape as Shape4;
      const conv = conv2dInfo(inputShape, shape4(filter), attrs);
      return { a: dy, b: filter, conv, co: conv.outChannels, outShape: inputShape };
    }),
    Conv2DBackpropFilter: convKernel(addon, 'Conv2DBackpropFilter', 'conv2dBackpropFilter', ({ x, dy }, attrs) => {
      const filterShape = attrs.filterShape as Shape4;
      const conv = conv2dInfo(shape4(x), filterShape, attrs);
      return { a: x, b: dy, conv, co: conv.outChannels, outShape: filterShape };
    }),
    DepthwiseConv2dNative: depthwise,
    DepthwiseConv2dNativeBackpropInput: convKernel(addon, 'DepthwiseConv2dNativeBackpropInput', 'depthwiseBackpropInput', ({ dy, filter }, attrs) => {
      const inputShape = attrs.inputShape as Shape4;
      const conv = conv2dInfo(inputShape, shape4(filter), attrs, true);
      return { a: dy, b: filter, conv, co: filter.shape[3], outShape: inputShape };
    }),
    DepthwiseConv2dNativeBackpropFilter: convKernel(addon, 'DepthwiseConv2dNativeBackpropFilter', 'depthwiseBackpropFilter', ({ x, dy }, attrs) => {
      const filterShape = attrs.filterShape as Shape4;
      const conv = conv2dInfo(shape4(x), filterShape, attrs, true);
      return { a: x, b: dy, conv, co: filterShape[3], outShape: filterShape };
    }),
    BatchMatMul: batchMatMul,
    FusedConv2D: fused(conv2D, 'FusedConv2D'),
    FusedDepthwiseConv2D: fused(depthwise, 'FusedDepthwiseConv2D'),
    _FusedMatMul: fused((args) => batchMatMul({ ...args, inputs: { a: args.inputs.a, b: args.inputs.b } }), '_FusedMatMul'),
  };
}
