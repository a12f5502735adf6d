/**
 * `stylegan compare`: the source table rebuilt on the user's images. Each arch trains in
 * OUTDIR/<arch> with the same budget (minutes of training or kimg), images and seed, one after
 * another; a finished arch leaves done.json, so a killed compare continues with the rest. Then
 * every final G_ema is evaluated on the same real images (SWD always; FID and KID with Inception
 * weights) and table.md, table.json, samples.png and curves.png are written.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { NetworkConfig } from '../networks/config.js';
import { isBaselineArch, baselineConfig } from '../networks/baselines/config.js';
import { BASELINE_HYPER } from './baselines/hyper.js';
import { presetForResolution } from '../networks/stylegan/presets.js';
import { DEFAULT_HYPER } from './trainer.js';
import { stylegan2Preset } from './stylegan2-presets.js';
import { stylegan3Preset } from './stylegan3-presets.js';
import { latestSnapshot, runTraining, type AnyHyperParams } from './loop.js';
import { decodeNetworkSnapshot, type Snapshot } from '../io/snapshot.js';
import type { GeneratorLike } from '../networks/generator-api.js';
import type { Generator } from '../networks/stylegan/generator.js';
import { snapshotSchedule, type SchedulePoint } from './schedule.js';
import { atGrowthStage } from '../sampling/growth-stage.js';
import { writeFileAtomic } from '../io/fs-atomic.js';
import { networkFromSnapshot, seedsToZ } from '../sampling/generate.js';
import { toUint8 } from '../data/uint8.js';
import { defaultDatasetPath } from '../data/dataset.js';
import { MetricsRunner } from '../metrics/run.js';
import { METRICS } from '../metrics/registry.js';
import { writeCurvesPng, writeSamplesPng } from '../data/compare-plots.js';

/** Archs `compare` can train here, in the source table's order. */
export const COMPARE_ARCHS = ['gan', 'aae', 'vae', 'dcgan', 'wgan', 'wgan-gp', 'lsgan', 'dragan', 'began', 'stylegan', 'stylegan2', 'stylegan3'] as const;
/** Named in the source table but not trainable in this version: listed, never given a made-up number (none now). */
export const NOT_TRAINABLE: Record<string, string> = {};

/** FIDs of the source table (same data set and budget there; not this data set): context only. */
export const SOURCE_FID: Record<string, number> = {
  gan: 198, aae: 299, vae: 327, dcgan: 111, wgan: 241, lsgan: 172, dragan: 184, began: 205, stylegan3: 100, 'stylegan-xl': 22,
};

export type Budget = { minutes: number } | { kimg: number };

export interface CompareOptions {
  data?: string;
  resolution: number;
  archs: string[];
  budget: Budget;
  outdir: string;
  inception?: string;
  /** Generated and real images per metric (default 10000). */
  num: number;
  /** kimg per tick, and ticks between training-time SWD snapshots (curves.png); 0 = none. */
  tick: number;
  metricsEvery: number;
  seed: number;
  maxImages?: number;
  signal?: AbortSignal;
  log: (line: string) => void;
}

export interface CompareRow {
  arch: string;
  status: 'trained' | 'not available' | 'not trained here';
  note?: string;
  fid: number | null;
  kid: number | null;
  swd: number | null;
  kimg: number | null;
  imgPerSec: number | null;
  paramsG: number | null;
  paramsD: number | null;
  trainMinutes: number | null;
  sourceFid: number | null;
  /** Training-time SWD snapshots (--metrics-every) as [training minutes, SWD x1e3]: curves.png's points. */
  swdCurve?: Array<[number, number]>;
}

/** Network config and training hyperparameters of an arch at its defaults (as `train --arch A`), with the run's seed. */
export function compareSetup(arch: string, resolution: number, seed: number): { config: NetworkConfig; hyper: AnyHyperParams } {
  if (isBaselineArch(arch)) return { config: baselineConfig(arch, resolution), hyper: { ...BASELINE_HYPER[arch], seed } };
  if (arch === 'stylegan2') {
    const { config, hyper } = stylegan2Preset(resolution <= 64 ? 'cpu' : 'auto', resolution);
    return { config, hyper: { ...hyper, seed } };
  }
  if (arch === 'stylegan3') {
    const { config, hyper } = stylegan3Preset(resolution <= 64 ? 'stylegan3-t-cpu' : 'stylegan3-t', resolution);
    return { config, hyper: { ...hyper, seed } };
  }
  if (arch === 'stylegan') {
    const config = { ...presetForResolution(resolution), imgResolution: resolution };
    const growth = { enabled: true, initialResolution: Math.min(8, resolution), transitionKimg: 6, stabilizeKimg: 6 };
    return { config, hyper: { ...DEFAULT_HYPER, seed, growth } };
  }
  throw new Error(`compare: unknown arch '${arch}' (available: ${COMPARE_ARCHS.join(', ')})`);
}

export function checkArchs(archs: string[]): void {
  for (const a of archs) {
    if (!(COMPARE_ARCHS as readonly string[]).includes(a) && !(a in NOT_TRAINABLE)) {
      throw new Error(`--archs: unknown arch '${a}' (available: ${[...COMPARE_ARCHS, ...Object.keys(NOT_TRAINABLE)].join(', ')})`);
    }
  }
  if (new Set(archs).size !== archs.length) throw new Error('--archs: an arch is named twice');
}

interface StatsLine { kimg: number; secPerKimg: number; timestamp: number }

function readJsonl<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
}

/** Training seconds so far (sum of tick durations: metric and snapshot time excluded), and the kimg at each tick's end. */
export function trainingTime(dir: string): Array<{ kimg: number; sec: number; timestamp: number }> {
  let sec = 0, prev = 0;
  return readJsonl<StatsLine>(path.join(dir, 'stats.jsonl')).map((s) => {
    sec += Math.max(0, s.kimg - prev) * s.secPerKimg;
    prev = s.kimg;
    return { kimg: s.kimg, sec, timestamp: s.timestamp };
  });
}

/** Trains one arch to the budget, resuming its folder's latest snapshot; returns false when stopped early. */
async function trainArch(arch: string, o: CompareOptions): Promise<boolean> {
  const dir = path.join(o.outdir, arch);
  if (fs.existsSync(path.join(dir, 'done.json'))) {
    o.log(`${arch}: already trained (${path.join(dir, 'done.json')})`);
    return true;
  }
  fs.mkdirSync(dir, { recursive: true });
  const { config, hyper } = compareSetup(arch, o.resolution, o.seed);
  const controller = new AbortController();
  const onOuter = () => controller.abort();
  o.signal?.addEventListener('abort', onOuter);
  let timer: NodeJS.Timeout | undefined;
  let kimg = 'kimg' in o.budget ? o.budget.kimg : 1e9;
  if ('minutes' in o.budget) {
    const spent = trainingTime(dir).at(-1)?.sec ?? 0;
    const left = o.budget.minutes * 60 - spent;
    if (left <= 0) kimg = 0;
    else timer = setTimeout(() => controller.abort(), left * 1000);
    o.log(`${arch}: ${(left / 60).toFixed(1)} of ${o.budget.minutes} minutes left`);
  }
  try {
    if (kimg > 0) {
      await runTraining({
        outdir: dir, data: o.data, resolution: o.resolution, mirror: false, maxImages: o.maxImages,
        kimg, tick: o.tick, snap: 5, config, hyper, resume: 'latest', grid: [8, 4],
        metrics: o.metricsEvery > 0 ? ['swd'] : [], metricsEvery: Math.max(1, o.metricsEvery),
        signal: controller.signal, log: (l) => o.log(`${arch}: ${l}`),
      });
    }
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onOuter);
  }
  if (o.signal?.aborted) return false;
  await writeFileAtomic(path.join(dir, 'done.json'), Buffer.from(JSON.stringify({ arch, budget: o.budget, finished: new Date().toISOString() }) + '\n'));
  return true;
}

/**
 * An arch's final G_ema as its fakes grid shows it: a progressive StyleGAN saved mid-growth (a
 * budget shorter than its growth schedule) runs at its stage, upsampled, as `generate` does, not
 * through its untrained full-resolution layers. `stage` is set only then.
 */
export function finalGenerator(snap: Snapshot<NetworkConfig>, file: string): { G: GeneratorLike; paramsG: number; stage?: SchedulePoint } {
  const G = networkFromSnapshot(snap, file);
  const paramsG = (G as unknown as { store?: { numParams(): number } }).store?.numParams() ?? 0;
  const full = snap.config.imgResolution;
  const stage = snap.config.arch === 'stylegan' ? snapshotSchedule(snap.training, full) : undefined;
  if (stage && (stage.res < full || stage.alpha < 1)) return { G: atGrowthStage(G as Generator, stage), paramsG, stage };
  return { G, paramsG };
}

interface Evaluation { fid: number | null; kid: number | null; swd: number | null; num: number; snapshot: string }

/** Metrics of an arch's final G_ema, cached in its folder (eval.json) for the snapshot and settings they were made with. */
async function evaluateArch(arch: string, o: CompareOptions): Promise<Evaluation & { kimg: number; paramsG: number; paramsD: number | null }> {
  const dir = path.join(o.outdir, arch);
  const file = latestSnapshot(dir);
  if (!file) throw new Error(`${dir}: no snapshot to evaluate`);
  const snap = decodeNetworkSnapshot(fs.readFileSync(file), file);
  const { G, paramsG, stage } = finalGenerator(snap, file);
  const kimg = ((snap.training as { nimg?: number } | undefined)?.nimg ?? 0) / 1000;
  if (stage) o.log(`${arch}: saved mid-growth: evaluated at ${stage.res} px${stage.alpha < 1 ? ` (fade-in ${stage.alpha.toFixed(2)})` : ''}, upsampled to ${snap.config.imgResolution} px`);
  const logLine = fs.existsSync(path.join(dir, 'log.txt')) ? fs.readFileSync(path.join(dir, 'log.txt'), 'utf8').match(/G: \d+ parameters, D: (\d+)/) : null;
  const paramsD = logLine ? Number(logLine[1]) : null;
  const cacheFile = path.join(dir, 'eval.json');
  const key = { snapshot: path.basename(file), num: o.num, inception: o.inception ? path.resolve(o.inception) : null, ...(stage && { stage }) };
  try {
    const cached = fs.existsSync(cacheFile) ? JSON.parse(fs.readFileSync(cacheFile, 'utf8')) : null;
    if (cached && JSON.stringify(cached.key) === JSON.stringify(key)) {
      o.log(`${arch}: metrics from ${cacheFile}`);
      return { ...cached.value, kimg, paramsG, paramsD };
    }
    const runner = new MetricsRunner({ G, data: o.data ?? defaultDatasetPath(), resolution: o.resolution, num: o.num, inception: o.inception, seed: 0, batch: 32, log: (l) => o.log(`${arch}: ${l}`) });
    try {
      o.log(`${arch}: SWD of ${o.num} images...`);
      const swd = (await runner.run(METRICS.swd)).results.swd;
      let fid: number | null = null, kid: number | null = null;
      if (o.inception) {
        fid = (await runner.run(METRICS.fid50k_full)).results.fid50k_full;
        kid = (await runner.run(METRICS.kid50k_full)).results.kid50k_full;
      }
      const value: Evaluation = { fid, kid, swd, num: o.num, snapshot: file };
      await writeFileAtomic(cacheFile, Buffer.from(JSON.stringify({ key, value }, null, 2) + '\n'));
      return { ...value, kimg, paramsG, paramsD };
    } finally {
      runner.dispose();
    }
  } finally {
    G.dispose();
  }
}

/** 8 samples (seeds 0-7, NumPy latents) of an arch's final G_ema as uint8 RGB. */
async function samples(arch: string, o: CompareOptions): Promise<Uint8Array> {
  const file = latestSnapshot(path.join(o.outdir, arch))!;
  const { G } = finalGenerator(decodeNetworkSnapshot(fs.readFileSync(file), file), file);
  try {
    const img = tf.tidy(() => G.forward(seedsToZ([0, 1, 2, 3, 4, 5, 6, 7], G.cfg.zDim), { noiseMode: 'const' }));
    const data = toUint8((await img.data()) as Float32Array);
    img.dispose();
    return data;
  } finally {
    G.dispose();
  }
}

/** SWD snapshots taken during training (metric-swd.jsonl) against minutes of training (stats.jsonl). */
function swdCurve(arch: string, o: CompareOptions): Array<[number, number]> {
  const dir = path.join(o.outdir, arch), ticks = trainingTime(dir);
  return readJsonl<{ results: { swd: number }; timestamp: number }>(path.join(dir, 'metric-swd.jsonl')).flatMap((m) => {
    const t = ticks.filter((s) => s.timestamp <= m.timestamp).at(-1);
    return t ? [[t.sec / 60, m.results.swd] as [number, number]] : [];
  });
}

const fmt = (v: number | null, digits: number) => (v === null ? '—' : v.toFixed(digits));

export function tableMarkdown(rows: CompareRow[], o: Pick<CompareOptions, 'budget' | 'resolution' | 'num' | 'inception'>): string {
  const budget = 'kimg' in o.budget ? `${o.budget.kimg} kimg` : `${o.budget.minutes} minutes`;
  const lines = [
    `| # | Architecture | FID | KID x1e3 | SWD x1e3 | kimg | img/s | train min | G params | D params | source FID |`,
    `|---|---|---|---|---|---|---|---|---|---|---|`,
  ];
  rows.forEach((r, i) => {
    if (r.status !== 'trained') {
      // Never a made-up number: StyleGAN-XL shows the published figure, marked as such.
      const fid = r.status === 'not trained here' && r.sourceFid !== null ? `${r.sourceFid} (published)` : '—';
      lines.push(`| ${i + 1} | ${r.arch} (${r.note}) | ${fid} | — | — | — | — | — | — | — | ${r.sourceFid ?? '—'} |`);
      return;
    }
    lines.push(`| ${i + 1} | ${r.arch} | ${fmt(r.fid, 1)} | ${r.kid === null ? '—' : (r.kid * 1e3).toFixed(2)} | ${fmt(r.swd, 2)} | ${fmt(r.kimg, r.kimg !== null && r.kimg < 10 ? 2 : 1)} | ${fmt(r.imgPerSec, 1)} | ${fmt(r.trainMinutes, 1)} | ${r.paramsG?.toLocaleString('en-US') ?? '—'} | ${r.paramsD?.toLocaleString('en-US') ?? '—'} | ${r.sourceFid ?? '—'} |`);
  });
  lines.push('', `Budget: ${budget} per arch at ${o.resolution} px, the same images and seed. Metrics on ${o.num} generated vs real images` +
    `${o.inception ? '' : '; FID and KID need Inception weights (--inception), so they are blank here'}. SWD is ProGAN's multi-scale sliced` +
    ` Wasserstein distance x1e3 (lower is better). "source FID" is the published table's figure on its own data set, for orientation only.` +
    ' VAE and AAE G params include their encoders.');
  return lines.join('\n') + '\n';
}

export async function runCompare(o: CompareOptions): Promise<{ rows: CompareRow[]; complete: boolean }> {
  checkArchs(o.archs);
  fs.mkdirSync(o.outdir, { recursive: true });
  const trainable = o.archs.filter((a) => !(a in NOT_TRAINABLE));
  for (const a of o.archs) if (a in NOT_TRAINABLE) o.log(`${a}: ${NOT_TRAINABLE[a]}; listed in the table without numbers`);
  for (const arch of trainable) {
    if (!(await trainArch(arch, o))) {
      o.log(`Stopped during ${arch}; run the same command again to continue.`);
      return { rows: [], complete: false };
    }
  }
  const rows: CompareRow[] = [];
  for (const arch of o.archs) {
    if (arch in NOT_TRAINABLE) {
      rows.push({ arch, status: 'not available', note: 'not available here', fid: null, kid: null, swd: null, kimg: null, imgPerSec: null, paramsG: null, paramsD: null, trainMinutes: null, sourceFid: SOURCE_FID[arch] ?? null });
      continue;
    }
    const e = await evaluateArch(arch, o);
    const t = trainingTime(path.join(o.outdir, arch)).at(-1);
    rows.push({
      arch, status: 'trained', fid: e.fid, kid: e.kid, swd: e.swd, kimg: e.kimg, paramsG: e.paramsG, paramsD: e.paramsD,
      imgPerSec: t && t.sec > 0 ? (t.kimg * 1000) / t.sec : null, trainMinutes: t ? t.sec / 60 : null, sourceFid: SOURCE_FID[arch] ?? null,
      swdCurve: swdCurve(arch, o),
    });
  }
  rows.push({ arch: 'stylegan-xl', status: 'not trained here', note: 'not trained here', fid: null, kid: null, swd: null, kimg: null, imgPerSec: null, paramsG: null, paramsD: null, trainMinutes: null, sourceFid: SOURCE_FID['stylegan-xl'] });

  await writeFileAtomic(path.join(o.outdir, 'table.md'), Buffer.from(tableMarkdown(rows, o)));
  await writeFileAtomic(path.join(o.outdir, 'table.json'), Buffer.from(JSON.stringify({ budget: o.budget, resolution: o.resolution, num: o.num, seed: o.seed, rows }, null, 2) + '\n'));
  const sampleRows = [];
  for (const r of rows) {
    sampleRows.push(r.status === 'trained' ? { label: r.arch, images: await samples(r.arch, o) } : { label: r.arch, note: r.note });
  }
  await writeSamplesPng(path.join(o.outdir, 'samples.png'), sampleRows, o.resolution, 8);
  await writeCurvesPng(path.join(o.outdir, 'curves.png'), rows.filter((r) => r.status === 'trained').map((r) => ({ label: r.arch, points: r.swdCurve ?? [] })));
  o.log(`Wrote ${['table.md', 'table.json', 'samples.png', 'curves.png'].map((f) => path.join(o.outdir, f)).join(', ')}`);
  return { rows, complete: true };
}
