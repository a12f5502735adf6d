/**
 * The 'native' tfjs backend (Node only): the cpu backend's storage and every one of its
 * kernels, with the hot ones (convolutions and their gradients, matmul over OpenBLAS; element-wise,
 * reduction and data-movement kernels as strided loops) replaced by the C++ addon. Tensors live in the same typed arrays as on 'cpu', so any kernel the
 * addon lacks simply runs the cpu backend's JS.
 */
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from './native-addon.js';
import { nativeKernels } from './native-kernels.js';
import { elementwiseKernels } from './native-elementwise.js';

export class NativeBackend extends MathBackendCPU {
  constructor() {
    super();
    // The cpu backend advertises tfjs-node on first use; this backend is the fast path already.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }
}

/**
 * Registers 'native' once; returns '' on success or why the addon could not be loaded
 * (then nothing is registered and the caller falls back).
 */
let registration: string | undefined;
export function registerNativeBackend(): string {
  if (registration !== undefined) return registration;
  const { addon, error } = loadNativeAddon();
  if (!addon) return (registration = error);
  const replaced = { ...elementwiseKernels(addon), ...nativeKernels(addon) };
  for (const k of tf.getKernelsForBackend('cpu')) {
    tf.registerKernel({ ...k, backendName: 'native', kernelFunc: replaced[k.kernelName] ?? k.kernelFunc });
  }
  // Above wasm (2) and cpu (1): tfjs' own default choice, when nobody picks, is then this one.
  tf.registerBackend('native', () => new NativeBackend(), 3);
  return (registration = '');
}
