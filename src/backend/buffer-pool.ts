/**
 * Recycled output storage for the 'native' backend. A fresh Float32Array per op costs page
 * faults on first touch and, through V8's external-memory accounting, a full GC every few dozen
 * ops (~13 per StyleGAN2 training step at 32 px). Outputs of disposed tensors are kept here by
 * length and handed to the next op of the same size.
 *
 * Only arrays this pool allocated are recycled, and never one whose memory may still be seen
 * elsewhere: arrays given out by read/readSync (dataSync() hands out the storage itself), and
 * buffers an op's output shares with its input (the cpu backend's contiguous Slice returns a
 * subarray view) are pinned for good.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';

/** Small arrays are cheap to allocate and would only crowd the pool. */
const MIN_POOLED_LENGTH = 1024;

export class BufferPool {
  /**
   * @param maxPooledBytes idle storage kept at most; beyond it disposed arrays go to the GC as
   *   before. It should hold a training step's peak of live activations: a 64 px StyleGAN2 step
   *   at batch 16 recycles ~800 MB, and with 256 MB it allocated 540 MB afresh per step (25% of its time).
   */
  constructor(private readonly maxPooledBytes = 256 * 1024 * 1024) {}

  private readonly free = new Map<number, Float32Array[]>();
  private readonly owned = new WeakSet<Float32Array>();
  private readonly pinned = new WeakSet<ArrayBufferLike>();
  private pooledBytes = 0;

  /** A Float32Array of `length`: recycled (stale contents) unless `zeroed`. */
  alloc(length: number, zeroed = false): Float32Array {
    const list = length >= MIN_POOLED_LENGTH ? this.free.get(length) : undefined;
    const reused = list?.pop();
    if (!reused) {
      const a = new Float32Array(length);
      if (length >= MIN_POOLED_LENGTH) this.owned.add(a);
      return a;
    }
    this.pooledBytes -= reused.byteLength;
    if (zeroed) reused.fill(0);
    return reused;
  }

  /** Storage that left the backend (read by user code, or shared by a view): never reuse it. */
  pin(values: unknown): void {
    if (ArrayBuffer.isView(values)) this.pinned.add(values.buffer);
  }

  /** Takes back the storage of a tensor that is gone. */
  recycle(values: unknown): void {
    if (!(values instanceof Float32Array) || !this.owned.has(values) || this.pinned.has(values.buffer)) return;
    if (this.pooledBytes + values.byteLength > this.maxPooledBytes) return;
    let list = this.free.get(values.length);
    if (!list) this.free.set(values.length, (list = []));
    list.push(values);
    this.pooledBytes += values.byteLength;
  }

  /**
   * After a kernel ran: any output whose storage is an input's storage (same array or a view of
   * it) under another data id pins that buffer, since disposing one tensor must not recycle memory
   * the other still reads. (Reshape and Identity share the data id itself: refcounts cover those.)
   */
  pinShared(values: (t: TensorInfo) => unknown, inputs: TensorInfo[], outputs: TensorInfo[]): void {
    if (inputs.length === 0) return;
    const inBuffers = new Set<ArrayBufferLike>();
    const inIds = new Set<object>();
    for (const t of inputs) {
      const v = values(t);
      if (ArrayBuffer.isView(v)) inBuffers.add(v.buffer);
      inIds.add(t.dataId);
    }
    for (const t of outputs) {
      if (inIds.has(t.dataId)) continue;
      const v = values(t);
      if (ArrayBuffer.isView(v) && inBuffers.has(v.buffer)) this.pinned.add(v.buffer);
    }
  }

  clear(): void {
    this.free.clear();
    this.pooledBytes = 0;
  }
}

/** The pool of a native backend, or null for plain cpu backends (then kernels allocate fresh). */
export function allocOutput(backend: unknown, length: number, zeroed = false): Float32Array {
  const pool = (backend as { pool?: BufferPool }).pool;
  return pool ? pool.alloc(length, zeroed) : new Float32Array(length);
}
