/**
 * What the dashboard shows of a training run folder (see training/loop.ts for the layout):
 * stats.jsonl ticks, metric-*.jsonl results, fakes grids, reals, config.json, log.txt.
 * Read fresh on every poll, tolerant of files being written (a half-written last line is
 * skipped) and of files not there yet (a run that has just started).
 */
import fs from 'node:fs';
import path from 'node:path';

/** One stats.jsonl line; extra numeric keys (e.g. a path-length penalty) pass through. */
export type StatsRow = Record<string, number>;

export interface MetricPoint {
  kimg: number | null;
  value: number;
}

export interface ImageEntry {
  file: string;
  /** kimg from the name (fakes-000040.png); 0 for fakes-init.png. */
  kimg: number;
  mtime: number;
}

export interface RunState {
  name: string;
  dir: string;
  exists: boolean;
  config: Record<string, unknown> | null;
  /** The run's target length from config.json, when known: kimg and/or a time budget (train --minutes). */
  totalKimg: number | null;
  totalMinutes: number | null;
  /** Rows from index `since` on, and how many there are in all. */
  stats: StatsRow[];
  statsTotal: number;
  /** Series name -> points, from metric-*.jsonl. */
  metrics: Record<string, MetricPoint[]>;
  fakes: ImageEntry[];
  reals: ImageEntry | null;
  snapshots: string[];
  logTail: string[];
  /** ms since epoch of the newest stats.jsonl write, or null. */
  updated: number | null;
  now: number;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Complete JSON lines of a .jsonl file; broken or partial lines are skipped. */
export function readJsonl(file: string): Array<Record<string, unknown>> {
  const text = readText(file);
  if (!text) return [];
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line);
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v);
    } catch { /* a line still being written */ }
  }
  return out;
}

function numericFields(o: Record<string, unknown>): StatsRow {
  const row: StatsRow = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && Number.isFinite(v)) row[k] = v;
  return row;
}

const KIMG_IN_NAME = /snapshot-(\d+)/;

/** kimg of the last tick written at or before `timestamp` (seconds), from stats rows. */
function kimgAt(rows: StatsRow[], timestamp: number): number | null {
  let kimg: number | null = null;
  for (const r of rows) if (typeof r.timestamp === 'number' && r.timestamp <= timestamp + 1e-3) kimg = r.kimg;
  return kimg;
}

/**
 * Points of metric-*.jsonl lines. Accepts `{metric, value, kimg?}` and NVIDIA's
 * `{metric, results: {name: value}, snapshot_pkl, timestamp}` (one series per result name).
 * Without a kimg, a line is placed at the tick written just before it (metrics during training
 * follow their tick), else at the snapshot its name gives.
 */
export function readMetrics(dir: string, files: string[], rows: StatsRow[] = []): Record<string, MetricPoint[]> {
  const series: Record<string, MetricPoint[]> = {};
  for (const f of files.filter((f) => /^metric-.*\.jsonl$/.test(f)).sort()) {
    for (const line of readJsonl(path.join(dir, f))) {
      let kimg = typeof line.kimg === 'number' ? line.kimg : null;
      if (kimg === null && typeof line.timestamp === 'number') kimg = kimgAt(rows, line.timestamp);
      const snap = [line.snapshot, line.snapshot_pkl, line.network].find((s) => typeof s === 'string') as string | undefined;
      if (kimg === null && snap) {
        const m = KIMG_IN_NAME.exec(snap);
        if (m) kimg = Number(m[1]);
      }
      const name = typeof line.metric === 'string' ? line.metric : f.replace(/^metric-|\.jsonl$/g, '');
      const values: Array<[string, unknown]> = line.results && typeof line.results === 'object'
        ? Object.entries(line.results as Record<string, unknown>)
        : [[name, line.value]];
      for (const [k, v] of values) if (typeof v === 'number' && Number.isFinite(v)) (series[k] ??= []).push({ kimg, value: v });
    }
  }
  return series;
}

function imageEntry(dir: string, file: string): ImageEntry | null {
  const st = fs.statSync(path.join(dir, file), { throwIfNoEntry: false });
  if (!st) return null;
  const m = /^fakes-?(\d+)\.png$/.exec(file);
  return { file, kimg: m ? Number(m[1]) : 0, mtime: Math.floor(st.mtimeMs) };
}

export function readRunState(dir: string, since = 0): RunState {
  const now = Date.now();
  const name = path.basename(path.resolve(dir));
  const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  const config = (() => {
    const t = readText(path.join(dir, 'config.json'));
    try {
      return t ? (JSON.parse(t) as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  })();
  const rows = readJsonl(path.join(dir, 'stats.jsonl')).map(numericFields);
  const fakes = files
    .filter((f) => /^fakes-?(\d+|init)\.png$/.test(f))
    .map((f) => imageEntry(dir, f))
    .filter((e): e is ImageEntry => e !== null)
    // fakes-init first, then by kimg.
    .sort((a, b) => a.kimg - b.kimg || (a.file.includes('init') ? -1 : 1));
  const log = readText(path.join(dir, 'log.txt'));
  const statsMtime = fs.statSync(path.join(dir, 'stats.jsonl'), { throwIfNoEntry: false })?.mtimeMs;
  return {
    name, dir: path.resolve(dir), exists: fs.existsSync(dir), config,
    totalKimg: typeof config?.kimg === 'number' ? config.kimg : null,
    totalMinutes: typeof config?.minutes === 'number' ? config.minutes : null,
    stats: rows.slice(Math.max(0, Math.min(since, rows.length))),
    statsTotal: rows.length,
    metrics: readMetrics(dir, files, rows),
    fakes,
    reals: files.includes('reals.png') ? imageEntry(dir, 'reals.png') : null,
    snapshots: files.filter((f) => /^network-snapshot-\d+\.safetensors$/.test(f)).sort(),
    logTail: log ? log.trimEnd().split('\n').slice(-40) : [],
    updated: statsMtime === undefined ? null : Math.floor(statsMtime),
    now,
  };
}

/** Whether a name is a run-folder image the dashboard may serve (no paths, PNG only). */
export function isRunImage(file: string): boolean {
  return /^[\w.-]+\.png$/.test(file) && !file.startsWith('.');
}
