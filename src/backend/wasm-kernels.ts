/**
 * Kernels that tfjs' wasm backend lacks but training needs (tfjs 4.22 ships no
 * Conv2DBackpropFilter for wasm). Each is built from the backend's own fast
 * kernels, so the work still runs in XNNPACK rather than in a JS loop.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo, Conv2DBackpropFilterAttrs } from '@tensorflow/tfjs';

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

let registered = false;
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') == null) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter });
  }
}
