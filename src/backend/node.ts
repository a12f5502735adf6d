/** Node-only backend set-up: the native addon, the wasm binaries, WebGPU (Dawn) and the optional tfjs-node. */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from './index.js';
import { registerNativeBackend } from './native.js';
import { registerNodeWebGPU } from './webgpu-node.js';

export type { BackendName };

/** What `--backend` accepts in Node. */
export const NODE_BACKENDS = ['native', 'wasm', 'cpu', 'tensorflow', 'webgpu'] as const;

const require = createRequire(import.meta.url);

/** Registers the tensorflow backend when the user has installed @tensorflow/tfjs-node. */
async function loadTfjsNode(): Promise<boolean> {
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    return false;
  }
  await import('@tensorflow/tfjs-node' as string);
  return true;
}

/**
 * The gradient functions (training, projection). tfjs-core's Node build leaves them out and Node
 * cannot load core's ESM register_all_gradients, so they come from the @tensorflow/tfjs package
 * (they register globally; ~0.5 s to load, which commands that only run networks skip).
 */
export async function loadGradients(): Promise<void> {
  await import('@tensorflow/tfjs' as string); // untyped on purpose: its types would add chained ops to every tensor
}

export interface NodeBackendOptions {
  /** Register the gradient functions (default true; false for inference-only start-up). */
  gradients?: boolean;
  /**
   * May the automatic choice take webgpu (on a real GPU)? Only for code that never reads
   * synchronously (generate, mix, truncation, noise, project); default false.
   */
  autoWebgpu?: boolean;
}

let chosen: BackendName | undefined;
let nativeNoted = false;

/**
 * The backends usable here, fastest first: tensorflow (when installed), webgpu (when asked for
 * with opts.webgpu, and only on a real GPU adapter: never SwiftShader), native (when the addon is
 * built), wasm, cpu. `whyNot` gets the reason native is missing.
 */
export async function availableNodeBackends(whyNot?: (reason: string) => void, opts: { webgpu?: boolean } = {}): Promise<BackendName[]> {
  const out: BackendName[] = [];
  if (await loadTfjsNode()) out.push('tensorflow');
  if (opts.webgpu && (await registerNodeWebGPU({ requireIcd: true, allowCpuAdapter: false })) === '') out.push('webgpu');
  const nativeError = registerNativeBackend();
  if (nativeError === '') out.push('native');
  else whyNot?.(nativeError);
  out.push('wasm', 'cpu');
  return out;
}

/** Pick and initialise the Node backend once; returns its name. */
export async function initNodeBackend(backend?: BackendName, quiet = false, opts: NodeBackendOptions = {}): Promise<BackendName> {
  if (opts.gradients ?? true) await loadGradients();
  if (chosen && (backend === undefined || backend === chosen)) return chosen;
  if (backend === 'webgpu') {
    const why = await registerNodeWebGPU();
    if (why) throw new Error(`Backend 'webgpu' is not available here: ${why}`);
  }
  const wasmPath = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/';
  let nativeError = '';
  const order = await availableNodeBackends((reason) => { nativeError = reason; }, { webgpu: backend === undefined && opts.autoWebgpu });
  if (backend === 'native' && nativeError) throw new Error(`Backend 'native' is not available here: ${nativeError}`);
  // Said once per process, and only when the choice was ours to make.
  if (nativeError && backend === undefined && !quiet && !nativeNoted) {
    nativeNoted = true;
    process.stderr.write(`stylegan: native backend unavailable: ${nativeError}; using wasm\n`);
  }
  // tfjs-backend-cpu prints an advert for tfjs-node on first use in Node; we already say what we run on.
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
  chosen = await initBackend(order, {
    backend, wasmPath,
    onFallback: quiet ? undefined : (m) => process.stderr.write(m + '\n'),
  });
  return chosen;
}
