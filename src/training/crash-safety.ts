/**
 * What lets a run folder survive a crash or a kill at any moment (SIGKILL, power loss) and a
 * diverging run: no torn images, no temp files of dead writers, stats that end where the
 * resumed snapshot does, and no snapshot written with NaN/Inf weights.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { encodePng } from '../data/grid.js';
import { writeFileAtomic } from '../io/fs-atomic.js';
import type { Snapshot } from '../io/snapshot.js';
import type { NetworkConfig } from '../networks/config.js';

/** PNGs are rewritten while training (fakes, reals): atomically, so a kill never leaves half an image. */
export async function writePngAtomic(file: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  await writeFileAtomic(file, await encodePng(rgb, width, height));
}

/** writeFileAtomic's temp names: `.NAME.PID.HEX.tmp`. */
const TEMP_RE = /^\.(.+)\.(\d+)\.[0-9a-f]+\.tmp$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the temp files of writers that died mid-write (their pid is gone); returns how many. */
export function removeStaleTemps(dir: string): number {
  let n = 0;
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const m = TEMP_RE.exec(f);
    if (!m || Number(m[2]) === process.pid || alive(Number(m[2]))) continue;
    fs.rmSync(path.join(dir, f), { force: true });
    n++;
  }
  return n;
}

/**
 * After a resume from `kimg`: drops the stats lines of ticks past it (they are trained again) and
 * a torn last line, so stats.jsonl reads as one run. Rewritten atomically; returns lines dropped.
 */
export async function trimStats(file: string, kimg: number): Promise<number> {
  if (!fs.existsSync(file)) return 0;
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
  const keep = lines.filter((l) => {
    try {
      const s = JSON.parse(l) as { kimg?: unknown };
      return typeof s.kimg === 'number' && s.kimg <= +kimg.toFixed(3);
    } catch {
      return false;
    }
  });
  if (keep.length !== lines.length) await writeFileAtomic(file, new TextEncoder().encode(keep.map((l) => l + '\n').join('')));
  return lines.length - keep.length;
}

/** The first non-finite value in a snapshot's tensors, as 'module.tensor', or ''. */
export function firstNonFinite(s: Snapshot<NetworkConfig>): string {
  for (const [mod, params] of Object.entries(s.modules)) {
    for (const [name, t] of Object.entries(params ?? {})) {
      const d = t.data;
      for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return `${mod}.${name}`;
    }
  }
  return '';
}

export function divergedMessage(where: string, lr: number | undefined): string {
  return `Training diverged ${where}. The last snapshot is intact; resume with --resume latest and a lower --lr` +
    `${lr ? ` (this run: ${lr}, try ${+(lr / 4).toPrecision(2)})` : ''}.`;
}

/**
 * Test hook, documented here and used by test/cli/crash.test.ts only: STYLEGAN_TEST_POISON_STEP=N
 * fills one G weight with NaN after step N, as a diverging run would, to check that training
 * stops with the step and the loss named and keeps the last good snapshot.
 */
const POISON_STEP = Number(process.env.STYLEGAN_TEST_POISON_STEP ?? NaN);

export function poisonForTest(step: number, vars: Iterable<tf.Variable>): void {
  if (step !== POISON_STEP) return;
  for (const v of vars) {
    tf.tidy(() => v.assign(tf.fill(v.shape, NaN)));
    return;
  }
}
