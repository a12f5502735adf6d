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
 * The values of `tensors`, in order: dataSync on the CPU backends (the numbers their code always
 * read), one awaited batch of data() on webgpu (Node has no synchronous GPU reads). With
 * `dispose`, the tensors are disposed once read (also when a read fails).
 */
export async function readTensors(tensors: tf.Tensor[], o: { dispose?: boolean } = {}): Promise<Float32Array[]> {
  try {
    if (!asyncReadsOnly()) return tensors.map((t) => t.dataSync() as Float32Array);
    return (await Promise.all(tensors.map((t) => t.data()))) as Float32Array[];
  } finally {
    if (o.dispose) tf.dispose(tensors);
  }
}
