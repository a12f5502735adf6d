/**
 * Node-only file helpers (uses node:fs). Checkpoints are rewritten in place
 * during training, so a crash mid-write must leave either the old file or the
 * new one, never a torn mix: write a temp file beside the target, fsync it,
 * rename over the target, then fsync the directory so the rename is durable.
 */
import { open, rename, unlink, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsFile,
  type WritableTensor,
} from './safetensors.js';

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');
}

/** Atomically replace `path` with `bytes`. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new Error(`${path}: atomic write failed: ${message(e)}`);
  }
  await syncDir(dir);
}

/** fsync a directory; some platforms (Windows) cannot, which is not fatal. */
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // EISDIR/EPERM/EINVAL on platforms without directory fsync.
  } finally {
    await fh?.close();
  }
}

/** Read and validate a .safetensors file; errors name the path. */
export async function readSafetensorsFile(path: string): Promise<SafetensorsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${message(e)}`);
  }
  return decodeSafetensors(bytes, path);
}

/** Encode and atomically write a .safetensors file. */
export async function writeSafetensorsFile(
  path: string,
  tensors: Record<string, WritableTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
