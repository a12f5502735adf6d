/**
 * The one place that chooses the tfjs backend. Node: tensorflow (when the user
 * has @tensorflow/tfjs-node) > native (our C++/OpenBLAS addon, ./native.ts) > wasm (SIMD,
 * with our extra training kernels) > cpu. Browser: webgpu > webgl > wasm. Node-only loading
 * lives in ./node.ts. The cpu and wasm backends load on first use (start-up time, and a
 * bundler splits them off); a page registers webgl / webgpu by importing their packages.
 */
import * as tf from '@tensorflow/tfjs-core';

export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu' | 'webgl' | 'webgpu';

export interface BackendOptions {
  /** Explicit backend; undefined picks the fastest available. */
  backend?: BackendName;
  /** Where the tfjs-backend-wasm .wasm files are (a folder path or URL prefix). */
  wasmPath?: string;
  /** Called once with a note when the preferred backend is unavailable. */
  onFallback?: (message: string) => void;
}

/** Initialise `name`; false when it cannot run here. */
export async function trySetBackend(name: BackendName, opts: BackendOptions = {}): Promise<boolean> {
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (opts.wasmPath) wasm.setWasmPaths(opts.wasmPath);
    (await import('./wasm-kernels.js')).registerWasmKernels();
  }
  if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  // The fused ops as WGSL (the page or webgpu-node.ts registers the backend itself).
  if (name === 'webgpu') (await import('./webgpu-kernels.js')).registerWebGPUKernels();
  if (tf.findBackend(name) == null && tf.findBackendFactory(name) == null) return false;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

export async function initBackend(order: BackendName[], opts: BackendOptions = {}): Promise<BackendName> {
  const wanted = opts.backend ? [opts.backend] : order;
  for (const name of wanted) {
    if (await trySetBackend(name, opts)) {
      await tf.ready();
      return name;
    }
    if (opts.backend) throw new Error(`Backend '${name}' is not available here`);
    if (name !== wanted[wanted.length - 1]) opts.onFallback?.(`stylegan: backend '${name}' unavailable, trying the next one`);
  }
  throw new Error(`No tfjs backend could be initialised (tried ${wanted.join(', ')})`);
}
