/**
 * How long a run trains: a kimg count, a wall-clock budget in minutes, or both (whichever comes
 * first). The budget is the run's, not the session's: like --kimg, --minutes is a total over
 * every resumed session, kept in config.json, and the training time so far is read back from
 * stats.jsonl (each tick's cumulative `trainSec`), so snapshots hold no wall-clock time and a
 * resumed run still ends bit for bit where a straight one would (for a kimg budget).
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Budget {
  kimg?: number;
  minutes?: number;
}

/** The budget asked for, else (resume) the one in the folder's config.json, else `fallback`. */
export function resolveBudget(asked: Budget, outdir: string, resumed: boolean, fallback: Budget): Budget {
  if (asked.kimg !== undefined || asked.minutes !== undefined) return { kimg: asked.kimg, minutes: asked.minutes };
  if (resumed) {
    const c = readConfig(outdir);
    const kimg = typeof c?.kimg === 'number' ? c.kimg : undefined;
    const minutes = typeof c?.minutes === 'number' ? c.minutes : undefined;
    if (kimg !== undefined || minutes !== undefined) return { kimg, minutes };
  }
  return { ...fallback };
}

function readConfig(outdir: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(outdir, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A resumed run's new budget goes into config.json (the dashboard's ETA and a later resume read it). */
export function recordBudget(outdir: string, b: Budget): void {
  const file = path.join(outdir, 'config.json');
  const c = readConfig(outdir);
  if (!c) return;
  const { kimg: _k, minutes: _m, ...rest } = c;
  fs.writeFileSync(file, JSON.stringify({ ...rest, kimg: b.kimg ?? null, ...(b.minutes !== undefined && { minutes: b.minutes }) }, null, 2));
}

/** Training seconds of the run before this session: the last tick's trainSec (0 for runs without it). */
export function priorTrainSec(statsFile: string): number {
  if (!fs.existsSync(statsFile)) return 0;
  const lines = fs.readFileSync(statsFile, 'utf8').split('\n').filter((l) => l.trim());
  let sec = 0;
  for (const l of lines) {
    try {
      const s = JSON.parse(l) as { trainSec?: unknown };
      if (typeof s.trainSec === 'number') sec = s.trainSec;
    } catch {
      // trimStats keeps only parseable lines; a torn last line counts nothing
    }
  }
  return sec;
}

/** "kimg 12.34/120", "kimg 12.34 min 3.2/20", both when both are set. */
export function budgetText(kimg: number, b: Budget, trainSec: number): string {
  const k = `kimg ${kimg.toFixed(2)}${b.kimg !== undefined ? `/${b.kimg}` : ''}`;
  return b.minutes !== undefined ? `${k} min ${(trainSec / 60).toFixed(1)}/${b.minutes}` : k;
}
