/**
 * Reads for backends without synchronous GPU reads (webgpu in Node: dataSync() of a tensor that
 * lives on the GPU throws there). tfjs-webgpu keeps what data() read as a CPU copy, so after
 * {@link prefetchForSync} a dataSync() of the same tensor is free and legal.
 */
import * as tf from '@tensorflow/tfjs-core';

/** True on backends whose dataSync() of a GPU-resident tensor is impossible (webgpu in Node) or stalls. */
export function asyncReadsOnly(): boolean {
  return tf.getBackend() === 'webgpu';
}

/**
 * Awaits data() of each tensor on webgpu so that its dataSync() works afterwards (snapshots,
 * checkpoints); a no-op elsewhere (the native backend's data() hands out its storage).
 */
export async function prefetchForSync(tensors: Iterable<tf.Tensor>): Promise<void> {
  if (!asyncReadsOnly()) return;
  await Promise.all([...tensors].map((t) => t.data()));
}

/**
 * Runs `fn` on a CPU backend (native when registered, else cpu) when the current one is webgpu,
 * then switches back: for CPU-side work built on dataSync (SWD's sorting, descriptors). Tensors
 * `fn` makes live on that CPU backend; hand it arrays, not GPU tensors.
 */
export async function onCpu<T>(fn: () => T | Promise<T>): Promise<T> {
  if (!asyncReadsOnly()) return fn();
  const prev = tf.getBackend();
  if (tf.findBackendFactory('native') == null) await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend(tf.findBackendFactory('native') != null ? 'native' : 'cpu');
  try {
    return await fn();
  } finally {
    await tf.setBackend(prev);
  }
}
