/**
 * Kernels that tfjs' wasm backend lacks but training needs (tfjs 4.22 ships no
 * Conv2DBackpropFilter for wasm). Each is built from the backend's own fast
 * kernels, so the work still runs in XNNPACK rather than in a JS loop.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo, Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs } from '@tensorflow/tfjs-core';

type Backend = { disposeData(dataId: object): boolean };

function kernel(name: string): KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (k == null) throw new Error(`Error in wasm kernels: backend has no ${name} kernel`);
  return k.kernelFunc;
}

/**
 * dW[kh, kw, ci, co] = sum_{n, y, x} xPad[n, y*s + kh, x*s + kw, ci] * dy[n, y, x, co]
 * is itself a convolution: batch <-> channels swapped in x, dy as the filter,
 * the forward stride becoming the dilation.
 */
const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as object as Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') throw new Error('Error in Conv2DBackpropFilter (wasm): only NHWC is supported');
  const be = backend as Backend;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const [kh, kw, ci, co] = filterShape;
  const transpose = kernel('Transpose');
  const xT = transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } }) as TensorInfo; // [Ci, H, W, N]
  const dyT = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }) as TensorInfo; // [oH, oW, N, Co]
  const p = info.padInfo;
  const full = kernel('Conv2D')({
    inputs: { x: xT, filter: dyT }, backend,
    attrs: {
      strides: [1, 1], dilations: [info.strideHeight, info.strideWidth],
      pad: [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]], dataFormat: 'NHWC',
    },
  }) as TensorInfo; // [Ci, >=kh, >=kw, Co]
  be.disposeData(xT.dataId); be.disposeData(dyT.dataId);
  let cropped = full;
  if (full.shape[1] !== kh || full.shape[2] !== kw) {
    cropped = kernel('Slice')({ inputs: { x: full }, backend, attrs: { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] } }) as TensorInfo;
    be.disposeData(full.dataId);
  }
  const out = transpose({ inputs: { x: cropped }, backend, attrs: { perm: [1, 2, 0, 3] } }) as TensorInfo;
  be.disposeData(cropped.dataId);
  return out;
};

/**
 * tfjs-wasm's own Conv2DBackpropInput is a scalar loop (~10x slower than its Conv2D). For
 * stride 1 the input gradient is a 'same'-style conv of dy with the kernel rotated by 180
 * degrees and in/out swapped, so we run it on XNNPACK; strided cases keep the original.
 */
function makeConv2DBackpropInput(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as object as Conv2DBackpropInputAttrs;
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
    if (dataFormat !== 'NHWC' || info.strideHeight !== 1 || info.strideWidth !== 1) return original(args);
    const be = backend as Backend;
    const [kh, kw] = filter.shape;
    const flipped = kernel('Reverse')({ inputs: { x: filter }, backend, attrs: { dims: [0, 1] } }) as TensorInfo;
    const wT = kernel('Transpose')({ inputs: { x: flipped }, backend, attrs: { perm: [0, 1, 3, 2] } }) as TensorInfo; // [kh, kw, Co, Ci]
    be.disposeData(flipped.dataId);
    const top = kh - 1 - info.padInfo.top, left = kw - 1 - info.padInfo.left;
    const bottom = inputShape[1] - info.outHeight + kh - 1 - top, right = inputShape[2] - info.outWidth + kw - 1 - left;
    const out = kernel('Conv2D')({
      inputs: { x: dy, filter: wT }, backend,
      attrs: { strides: [1, 1], dilations: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC' },
    }) as TensorInfo;
    be.disposeData(wT.dataId);
    return out;
  };
}

let registered = false;
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') == null) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter });
  }
  const original = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (original) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({ ...original, kernelFunc: makeConv2DBackpropInput(original.kernelFunc) });
  }
}
