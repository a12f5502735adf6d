/** Node-only backend set-up: locates the wasm binaries and the optional tfjs-node. */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from './index.js';

export type { BackendName };

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

let chosen: BackendName | undefined;

/** Pick and initialise the Node backend once; returns its name. */
export async function initNodeBackend(backend?: BackendName, quiet = false): Promise<BackendName> {
  if (chosen && (backend === undefined || backend === chosen)) return chosen;
  const wasmPath = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/';
  const order: BackendName[] = [];
  if ((backend === undefined || backend === 'tensorflow') && (await loadTfjsNode())) order.push('tensorflow');
  order.push('wasm', 'cpu');
  // tfjs-backend-cpu prints an advert for tfjs-node on first use in Node; we already say what we run on.
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
  chosen = await initBackend(order, {
    backend, wasmPath,
    onFallback: quiet ? undefined : (m) => process.stderr.write(m + '\n'),
  });
  return chosen;
}
