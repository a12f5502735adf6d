/**
 * The 'native' tfjs backend (Node only): the cpu backend's storage and every one of its kernels,
 * with the hot ones replaced by the C++ addon (convolutions and their gradients, matmul, the
 * element-wise, reduction and data-movement kernels) plus fused StyleGAN kernels (bias_act,
 * upfirdn2d, Adam; see src/ops/fused.ts). Tensors live in the same typed arrays as on 'cpu', so
 * any kernel the addon lacks simply runs the cpu backend's JS; outputs of disposed tensors are
 * recycled through a BufferPool.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { DataId, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BufferPool } from './buffer-pool.js';
import { loadNativeAddon } from './native-addon.js';
import { nativeKernels } from './native-kernels.js';
import { elementwiseKernels } from './native-elementwise.js';
import { fusedKernels } from './native-fused.js';
import { registerReduceGradients } from '../ops/reduce-grads.js';

/** A quarter of the machine's memory, between 256 MiB and 8 GiB, for recycled outputs. */
const poolBytes = () => Math.min(8 * 2 ** 30, Math.max(2 ** 28, os.totalmem() / 4));

export class NativeBackend extends MathBackendCPU {
  readonly pool = new BufferPool(poolBytes());

  constructor() {
    super();
    // The cpu backend advertises tfjs-node on first use; this backend is the fast path already.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** dataSync()/data() hand out the storage itself: it is the caller's from now on. */
  override readSync(dataId: DataId): ReturnType<MathBackendCPU['readSync']> {
    const entry = this.data.get(dataId);
    if (entry) this.pool.pin(entry.values);
    return super.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const released = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) this.pool.recycle(values);
    return released;
  }

  override dispose(): void {
    this.pool.clear();
    super.dispose();
  }
}

/** Runs a kernel, then pins storage its outputs share with its inputs (see BufferPool.pinShared). */
function tracked(fn: KernelFunc): KernelFunc {
  return (args) => {
    const out = fn(args);
    const backend = args.backend as NativeBackend;
    const inputs = Object.values(args.inputs).filter((t): t is TensorInfo => t != null);
    backend.pool.pinShared((t) => backend.data.get(t.dataId)?.values, inputs, Array.isArray(out) ? out : [out]);
    return out;
  };
}

/** Kernels the addon runs; every other kernel of 'native' is the cpu backend's own. */
export const NATIVE_KERNELS = new Set<string>();

/**
 * Registers 'native' once; returns '' on success or why the addon could not be loaded
 * (then nothing is registered and the caller falls back).
 */
let registration: string | undefined;
export function registerNativeBackend(): string {
  if (registration !== undefined) return registration;
  const { addon, error } = loadNativeAddon();
  if (!addon) return (registration = error);
  const replaced: Record<string, KernelFunc> = { ...elementwiseKernels(addon), ...nativeKernels(addon) };
  for (const name of Object.keys(replaced)) NATIVE_KERNELS.add(name);
  // Addon kernels write fresh outputs, except the data-movement ones that hand contiguous cases to
  // the cpu kernels (a Slice there is a view): only those and the cpu kernels need tracking
  // (~1 us a call, thousands of calls a training step).
  const mayShare = new Set(['Slice', 'SplitV', 'Tile', 'Transpose', 'PadV2', 'Concat']);
  for (const k of tf.getKernelsForBackend('cpu')) {
    const own = k.kernelName in replaced ? replaced[k.kernelName] : null;
    tf.registerKernel({ ...k, backendName: 'native', kernelFunc: own && !mayShare.has(k.kernelName) ? own : tracked(own ?? k.kernelFunc) });
  }
  registerReduceGradients();
  for (const [kernelName, kernelFunc] of Object.entries(fusedKernels(addon))) {
    tf.registerKernel({ kernelName, backendName: 'native', kernelFunc });
  }
  // Above wasm (2) and cpu (1): tfjs' own default choice, when nobody picks, is then this one.
  tf.registerBackend('native', () => new NativeBackend(), 3);
  return (registration = '');
}
