/**
 * A whole training run (Node): data, output folder, ticks, snapshots, grids, stats.jsonl,
 * log.txt, resume and a clean stop. NVIDIA's layout: network-snapshot-KKKKKK, fakesKKKKKK,
 * reals, stats.jsonl.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { NetworkConfig } from '../networks/config.js';
import type { StyleGANConfig } from '../networks/stylegan/config.js';
import type { Generator } from '../networks/stylegan/generator.js';
import { loadDataset, type Dataset } from '../data/dataset.js';
import { imageGrid, toUint8 } from '../data/grid.js';
import { divergedMessage, firstNonFinite, poisonForTest, removeStaleTemps, trimStats, writePngAtomic } from './crash-safety.js';
import { decodeNetworkSnapshot, encodeSnapshot, type Snapshot } from '../io/snapshot.js';
import { writeFileAtomic } from '../io/fs-atomic.js';
import { RandomState } from '../sampling/rng.js';
import { Trainer, type TrainHyperParams } from './trainer.js';
import type { DataInfo, StepStats, TrainerLike, TrainingState } from './trainer-base.js';
import { Stylegan2Trainer } from './trainer-stylegan2.js';
import type { Stylegan2HyperParams } from './stylegan2-presets.js';
import { Stylegan3Trainer } from './trainer-stylegan3.js';
import type { Stylegan3HyperParams } from './stylegan3-presets.js';
import { BaselineTrainer } from './baselines/trainer.js';
import { describeBaseline, type BaselineHyperParams } from './baselines/hyper.js';
import { isBaselineArch, type BaselineConfig } from '../networks/baselines/config.js';

/** Hyperparameters of either arch's trainer (they go with its config's arch). */
export type AnyHyperParams = TrainHyperParams | Stylegan2HyperParams | Stylegan3HyperParams | BaselineHyperParams;

/** The trainer for the config's arch. */
export function createTrainer(cfg: NetworkConfig, hyper: AnyHyperParams, data: DataInfo): TrainerLike {
  if (isBaselineArch(cfg.arch)) return new BaselineTrainer(cfg as BaselineConfig, hyper as BaselineHyperParams, data);
  if (cfg.arch === 'stylegan3') return new Stylegan3Trainer(cfg, hyper as Stylegan3HyperParams, data);
  return cfg.arch === 'stylegan2' ? new Stylegan2Trainer(cfg, hyper as Stylegan2HyperParams, data) : new Trainer(cfg as StyleGANConfig, hyper as TrainHyperParams, data);
}
import { tickMetrics } from '../metrics/training.js';
import { swdResolutions } from '../metrics/swd.js';
import { priorTrainSec, recordBudget, resolveBudget } from './budget.js';
import type { AugmentOptions } from './augment/ada.js';
import { asyncReadsOnly } from '../backend/gpu-reads.js';

/** kimg of a run given no budget (and of a resumed one whose folder has none). */
export const DEFAULT_KIMG = 40;

export interface RunOptions {
  outdir: string;
  /** Image folder or zip; undefined = the resumed run's, else the bundled emoji set. */
  data?: string;
  /** x-flips; undefined = the resumed run's setting, else off. */
  mirror?: boolean;
  /** The resolution asked for, if any: a resumed run keeps its own and must match it. */
  resolution?: number;
  /**
   * Stop after this many thousand real images shown to D and/or this many minutes of training
   * (whichever comes first). Both undefined: a resumed run keeps the budget in its folder's
   * config.json, a new one (or a folder without it) gets `defaultBudget` (else DEFAULT_KIMG).
   */
  kimg?: number;
  minutes?: number;
  defaultBudget?: { kimg?: number; minutes?: number };
  /** kimg per tick (progress line, stats). */
  tick: number;
  /** Ticks per snapshot and fakes grid. */
  snap: number;
  config: NetworkConfig;
  hyper: AnyHyperParams;
  /** A snapshot file, or 'latest' (the newest in outdir). */
  resume?: string;
  /** Grid of fakes: cols x rows. */
  grid: [number, number];
  /** Use only the first N images; undefined = the resumed run's setting, else all. */
  maxImages?: number;
  /** Fail on the first unreadable image instead of skipping it (with a warning). */
  strict?: boolean;
  /**
   * Fine-tuning (NVIDIA's train.py --resume PKL): a new run (kimg 0, fresh optimizers) that starts
   * from this network's G, G_ema and D, whose config replaces `config`.
   */
  init?: { snapshot: Snapshot<NetworkConfig>; source: string };
  /** ADA's adjustment speed (kimg for p to move by 1), overriding the hyperparameters' (also a resumed run's). */
  adaKimg?: number;
  /** New runs: train class-conditional on the data set's labels (dataset.json or sub-folders). */
  cond?: boolean;
  /** Set to stop after the current step with a snapshot (Ctrl-C). */
  signal?: AbortSignal;
  log?: (line: string) => void;
  progress?: (p: Progress) => void;
  /**
   * Weight-free metrics (swd) every `metricsEvery` ticks, appended to metric-NAME.jsonl
   * (src/metrics/training.ts). Undefined: swd when the resolution allows it (>= 16 px).
   */
  metrics?: string[];
  metricsEvery?: number;
}

/** What a run trains on, kept in its snapshots so that --resume sees the same images in the same order. */
export interface DataChoice {
  path?: string;
  mirror: boolean;
  maxImages?: number;
}

export interface Progress {
  kimg: number;
  /** Infinity when only a time budget is set. */
  totalKimg: number;
  /** Training seconds so far (over all sessions of the run) and the time budget, if any. */
  trainSec: number;
  budgetSec?: number;
  res: number;
  alpha: number;
  lossG: number;
  lossD: number;
  penalty: number;
  imgPerSec: number;
  etaSec: number;
  /** ADA's augmentation strength (0 without augmentation). */
  augmentP: number;
}

const SNAPSHOT_RE = /^network-snapshot-(\d{6})\.safetensors$/;

export function snapshotName(kimg: number): string {
  return `network-snapshot-${String(Math.floor(kimg)).padStart(6, '0')}.safetensors`;
}

/** The newest complete snapshot in a folder (temp files never match). */
export function latestSnapshot(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const names = fs.readdirSync(dir).filter((f) => SNAPSHOT_RE.test(f)).sort();
  return names.length ? path.join(dir, names[names.length - 1]) : undefined;
}

/** Fixed latents for the fakes grid, so grids over time show the same samples. */
function gridLatents(cfg: Pick<StyleGANConfig, 'zDim'>, n: number): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(new RandomState(123).randn(n, cfg.zDim)), [n, cfg.zDim]);
}

async function writeFakes(tr: TrainerLike, z: tf.Tensor2D, cols: number, file: string, c?: tf.Tensor2D): Promise<void> {
  const full = tr.cfg.imgResolution;
  const images = tr.emaImages(z, c);
  const data = toUint8((await images.data()) as Float32Array);
  images.dispose();
  const g = imageGrid(data, z.shape[0], full, full, cols);
  await writePngAtomic(file, g.data, g.width, g.height);
}

/** The network to fine-tune: the same arch as asked, RGB, the asked resolution, with a D. */
function checkInit(init: { snapshot: Snapshot<NetworkConfig>; source: string }, asked: NetworkConfig, resolution: number | undefined): NetworkConfig {
  const c = init.snapshot.config, src = init.source;
  if (c.arch !== asked.arch) throw new Error(`${src}: a '${c.arch}' network cannot be fine-tuned by --arch ${asked.arch}`);
  if (resolution !== undefined && resolution !== c.imgResolution) throw new Error(`${src}: the network is ${c.imgResolution} px, but --resolution is ${resolution}`);
  if ((c as { imgChannels?: number }).imgChannels !== undefined && (c as { imgChannels: number }).imgChannels !== 3) throw new Error(`${src}: the network has ${(c as { imgChannels: number }).imgChannels} image channels; training data is RGB`);
  if (!init.snapshot.modules.D) throw new Error(`${src}: has no discriminator (D), so it cannot be fine-tuned`);
  if (!init.snapshot.modules.G && !init.snapshot.modules.G_ema) throw new Error(`${src}: has no generator`);
  return c;
}

/** A fixed random subset for reals.png: sorted file names would show only one kind of image. */
function gridIndices(ds: Dataset, n: number): number[] {
  return Array.from(new RandomState(0).permutation(ds.numImages).slice(0, Math.min(n, ds.numImages)));
}

/** A conditional network's config for labels of `dim` values (NVIDIA's c_dim; embedding and projection sizes as its defaults). */
function withLabels(cfg: NetworkConfig, dim: number, classNames: string[] | undefined, source: string): NetworkConfig {
  if (cfg.arch !== 'stylegan2' && cfg.arch !== 'stylegan3') throw new Error(`${source}: class-conditional training is for --arch stylegan2 and stylegan3, not ${cfg.arch}`);
  const d = cfg.discriminator, discriminator = { ...d, cmapDim: Math.min(Math.floor(d.channelBase / 4), d.channelMax) };
  // StyleGAN3's mapping always embeds c into wDim features; StyleGAN2's says so in its config.
  if (cfg.arch === 'stylegan3') return { ...cfg, cDim: dim, ...(classNames && { classNames }), discriminator };
  return { ...cfg, cDim: dim, ...(classNames && { classNames }), mapping: { ...cfg.mapping, embedFeatures: cfg.wDim }, discriminator };
}

async function writeReals(ds: Dataset, n: number, cols: number, file: string): Promise<void> {
  const idx = gridIndices(ds, n);
  const g = imageGrid(toUint8(ds.sampleBatch(idx)), idx.length, ds.resolution, ds.resolution, cols);
  await writePngAtomic(file, g.data, g.width, g.height);
}

export async function runTraining(o: RunOptions): Promise<{ snapshot: string; kimg: number }> {
  const log = (line: string) => {
    o.log?.(line);
    fs.appendFileSync(path.join(o.outdir, 'log.txt'), line + '\n');
  };
  fs.mkdirSync(o.outdir, { recursive: true });
  // Temp files of a run killed mid-write (never complete snapshots; see fs-atomic.ts).
  removeStaleTemps(o.outdir);

  let resumeFile = o.resume === 'latest' ? latestSnapshot(o.outdir) : o.resume;
  if (o.resume === 'latest' && !resumeFile) log('No snapshot in the output folder yet: starting a new run.');
  if (resumeFile && !fs.statSync(resumeFile, { throwIfNoEntry: false })?.isFile()) throw new Error(`Checkpoint not found: ${resumeFile}`);
  const resumed = resumeFile ? decodeNetworkSnapshot(fs.readFileSync(resumeFile), resumeFile) : undefined;
  if (o.init && resumed) throw new Error('give a network to fine-tune from or a run to resume, not both');
  let cfg = resumed ? resumed.config : o.init ? checkInit(o.init, o.config, o.resolution) : o.config;
  let hyper = resumed ? (resumed.training as unknown as TrainingState<AnyHyperParams> | undefined)?.hyper ?? o.hyper : o.hyper;
  if (o.adaKimg !== undefined) {
    // ADA's adjustment speed (NVIDIA's ada_kimg) may change on --resume; the snapshots keep the new one.
    const aug = (hyper as { augment?: AugmentOptions }).augment;
    if (aug?.mode !== 'ada') throw new Error(`--ada-kimg: ${resumeFile ?? 'this run'} does not use --aug ada`);
    if (aug.kimg !== o.adaKimg) log(`ADA: p moves by 1 per ${o.adaKimg} kimg (was ${aug.kimg})`);
    hyper = { ...hyper, augment: { ...aug, kimg: o.adaKimg } } as AnyHyperParams;
  }
  if (resumed && o.resolution !== undefined && o.resolution !== cfg.imgResolution) {
    throw new Error(`${resumeFile}: checkpoint is ${cfg.imgResolution} px, but --resolution is ${o.resolution}`);
  }
  // Before the data set loads (minutes for a big one): a converted or imported network has nothing to resume.
  if (resumed && typeof (resumed.training as { nimg?: unknown } | undefined)?.nimg !== 'number') {
    throw new Error(`${resumeFile}: cannot resume, the checkpoint has no training state`);
  }
  const before = (resumed?.training as { data?: DataChoice } | undefined)?.data;
  const choice: DataChoice = {
    path: o.data !== undefined ? path.resolve(o.data) : before?.path,
    mirror: o.mirror ?? before?.mirror ?? false,
    maxImages: o.maxImages ?? before?.maxImages,
  };

  const budget = resolveBudget({ kimg: o.kimg, minutes: o.minutes }, o.outdir, !!resumed, o.defaultBudget ?? { kimg: DEFAULT_KIMG });
  const cond = resumed || o.init ? ((cfg as { cDim?: number }).cDim ?? 0) > 0 : !!o.cond;
  const ds = await loadDataset({ path: choice.path, resolution: cfg.imgResolution, mirror: choice.mirror, maxImages: choice.maxImages, strict: o.strict, labels: cond });
  if (cond && ds.labels) {
    if (!resumed && !o.init) cfg = withLabels(cfg, ds.labels.dim, ds.labels.classNames, ds.sourcePath);
    else if ((cfg as { cDim: number }).cDim !== ds.labels.dim) throw new Error(`${resumeFile ?? o.init?.source}: the network takes ${(cfg as { cDim: number }).cDim} label values, ${ds.labels.origin} gives ${ds.labels.dim}`);
    log(`Labels: ${ds.labels.dim} values per image from ${ds.labels.origin}${ds.labels.classNames ? ` (classes ${ds.labels.classNames.join(', ')})` : ''}`);
  }
  for (const w of ds.warnings) log(`warning: ${w}`);
  log(`Data: ${ds.numImages} images from ${ds.sourcePath} at ${cfg.imgResolution}x${cfg.imgResolution}${choice.mirror ? ' (+ x-flips)' : ''}`);

  const labels = cond && ds.labels ? { dim: ds.labels.dim, batch: (i: number[]) => ds.labelBatch(i) } : undefined;
  // The SWD monitor gives a conditional G the labels of random training images.
  const metrics = o.metrics ?? (swdResolutions(cfg.imgResolution).length ? ['swd'] : []);
  const tr = createTrainer(cfg, hyper, { numImages: ds.numImages, mirror: choice.mirror, sample: (i, f) => ds.sampleBatch(i, f), labels });
  if (o.init) {
    const m = o.init.snapshot.modules, src = o.init.source;
    tr.G.store.loadRaw((m.G ?? m.G_ema)!, `${src} (G)`);
    tr.Gema.store.loadRaw((m.G_ema ?? m.G)!, `${src} (G_ema)`);
    tr.D.store.loadRaw(m.D!, `${src} (D)`);
    log(`Fine-tuning from ${src} (G, G_ema and D; new optimizers, kimg 0)`);
  }
  if (resumed && resumeFile) {
    tr.loadSnapshot(resumed, resumeFile);
    log(`Resumed from ${resumeFile} at ${tr.kimg.toFixed(3)} kimg`);
    // Ticks logged after that snapshot (a kill before the next one) are trained again: drop them.
    const dropped = await trimStats(path.join(o.outdir, 'stats.jsonl'), tr.kimg);
    if (dropped) log(`Dropped ${dropped} stats line${dropped === 1 ? '' : 's'} past the snapshot (trained again now)`);
    if (o.kimg !== undefined || o.minutes !== undefined) recordBudget(o.outdir, budget);
  } else {
    fs.writeFileSync(path.join(o.outdir, 'config.json'), JSON.stringify({
      network: cfg, training: hyper, data: ds.sourcePath, kimg: budget.kimg ?? null, ...(budget.minutes !== undefined && { minutes: budget.minutes }),
    }, null, 2));
  }
  const priorSec = resumed ? priorTrainSec(path.join(o.outdir, 'stats.jsonl')) : 0;
  log(`Budget: ${[budget.kimg !== undefined && `${budget.kimg} kimg`, budget.minutes !== undefined && `${budget.minutes} min of training`].filter(Boolean).join(' or ')}` +
    `${budget.kimg !== undefined && budget.minutes !== undefined ? ', whichever comes first' : ''}${priorSec ? ` (${(priorSec / 60).toFixed(1)} min trained before)` : ''}`);
  log(`G: ${tr.G.store.numParams()} parameters, D: ${tr.D.store.numParams()}; batch ${hyper.batch}, ${lossName(hyper)}, backend ${tf.getBackend()}`);

  const [cols, rows] = o.grid;
  const z = gridLatents(cfg, cols * rows);
  // Conditional fakes take the labels of the reals in reals.png, image for image.
  const gridC = labels ? tf.tensor2d(ds.labelBatch(Array.from({ length: cols * rows }, (_, i) => gridIndices(ds, cols * rows)[i % Math.min(cols * rows, ds.numImages)])), [cols * rows, labels.dim]) : undefined;
  if (!fs.existsSync(path.join(o.outdir, 'reals.png'))) await writeReals(ds, cols * rows, cols, path.join(o.outdir, 'reals.png'));

  const saveSnapshot = async (): Promise<string> => {
    const file = path.join(o.outdir, snapshotName(tr.kimg));
    if (asyncReadsOnly()) await tr.prefetchState();
    const snapshot = tr.toSnapshot();
    snapshot.training = { ...snapshot.training, data: choice };
    const bad = firstNonFinite(snapshot);
    if (bad) throw new Error(divergedMessage(`at ${tr.kimg.toFixed(3)} kimg (step ${tr.step}): ${bad} is not finite`, (hyper as { lrG?: number }).lrG));
    await writeFileAtomic(file, encodeSnapshot(snapshot));
    await writeFakes(tr, z, cols, path.join(o.outdir, `fakes-${String(Math.floor(tr.kimg)).padStart(6, '0')}.png`), gridC);
    return file;
  };
  if (!resumed) await writeFakes(tr, z, cols, path.join(o.outdir, 'fakes-init.png'), gridC);

  const start = Date.now();
  let tickStartNimg = tr.nimg, tickStartTime = Date.now(), tick = 0;
  let last: StepStats = { lossG: 0, lossD: 0, penalty: 0 };
  let lastSnapshot = '';
  const sums = { lossG: 0, lossD: 0, penalty: 0, n: 0 };
  let extraSums: Record<string, number> = {};
  const total = budget.kimg !== undefined ? budget.kimg * 1000 : Infinity;
  const budgetSec = budget.minutes !== undefined ? budget.minutes * 60 : Infinity;
  const trainSec = () => priorSec + (Date.now() - start) / 1000;
  const outOfBudget = () => tr.nimg >= total || trainSec() >= budgetSec;
  let done = outOfBudget();
  while (!done && !o.signal?.aborted) {
    // trainStep is synchronous: without yielding, a Ctrl-C handler would only run at the next snapshot write.
    await new Promise((resolve) => setImmediate(resolve));
    if (o.signal?.aborted) break;
    // webgpu in Node has no synchronous reads: the step's losses are awaited instead.
    last = asyncReadsOnly() ? await tr.trainStepAsync() : tr.trainStep();
    poisonForTest(tr.step, tr.G.store.vars.values());
    for (const k of ['lossG', 'lossD', 'penalty'] as const) sums[k] += last[k];
    for (const [k, v] of Object.entries(last.extra ?? {})) extraSums[k] = (extraSums[k] ?? 0) + v;
    sums.n++;
    if (!Number.isFinite(last.lossG) || !Number.isFinite(last.lossD)) {
      throw new Error(divergedMessage(`at ${tr.kimg.toFixed(3)} kimg (step ${tr.step}): loss G ${last.lossG}, loss D ${last.lossD}`, (hyper as { lrG?: number }).lrG));
    }
    const elapsed = (Date.now() - tickStartTime) / 1000;
    const imgPerSec = (tr.nimg - tickStartNimg) / Math.max(elapsed, 1e-3);
    const sched = tr.schedule();
    const sec = trainSec();
    const etaSec = Math.min((total - tr.nimg) / Math.max(imgPerSec, 1e-6), budgetSec - sec);
    o.progress?.({
      kimg: tr.kimg, totalKimg: budget.kimg ?? Infinity, trainSec: sec, ...(budget.minutes !== undefined && { budgetSec }),
      res: sched.res, alpha: sched.alpha, ...last, imgPerSec, etaSec, augmentP: tr.augment?.p ?? 0,
    });

    // A time budget ends the run on a tick, so the last stats line, snapshot and metrics are its end.
    done = outOfBudget();
    if (tr.nimg - tickStartNimg >= o.tick * 1000 || done) {
      tick++;
      const secPerKimg = elapsed / ((tr.nimg - tickStartNimg) / 1000);
      const stats = {
        tick, kimg: +tr.kimg.toFixed(3), res: sched.res, alpha: +sched.alpha.toFixed(4),
        lossG: sums.lossG / sums.n, lossD: sums.lossD / sums.n, penalty: sums.penalty / sums.n,
        ...Object.fromEntries(Object.entries(extraSums).map(([k, v]) => [k, v / sums.n])),
        imgPerSec: +imgPerSec.toFixed(2), secPerKimg: +secPerKimg.toFixed(2), totalSec: +((Date.now() - start) / 1000).toFixed(1),
        trainSec: +trainSec().toFixed(1),
        // ADA: p at the tick's end and r_t = E[sign(D(real))] over the tick (measured with --aug noaug too).
        augmentP: +(tr.augment?.p ?? 0).toFixed(6), rt: rtOrNull(tr.augment?.takeTickRt() ?? null),
        timestamp: Date.now() / 1000,
      };
      fs.appendFileSync(path.join(o.outdir, 'stats.jsonl'), JSON.stringify(stats) + '\n');
      log(`tick ${tick} kimg ${stats.kimg.toFixed(1)}${budget.minutes !== undefined ? ` min ${(stats.trainSec / 60).toFixed(1)}/${budget.minutes}` : ''} res ${sched.res}${sched.alpha < 1 ? ` (fade ${sched.alpha.toFixed(2)})` : ''} ` +
        `lossG ${stats.lossG.toFixed(3)} lossD ${stats.lossD.toFixed(3)} ${('loss' in hyper && hyper.loss === 'wgan-gp') || ('gpLambda' in hyper && hyper.gpLambda > 0) ? 'gp' : 'r1'} ${stats.penalty.toFixed(4)} ` +
        `${Object.keys(extraSums).map((k) => `${k} ${(extraSums[k] / sums.n).toFixed(4)} `).join('')}` +
        `${stats.imgPerSec} img/s ${stats.secPerKimg} sec/kimg` +
        `${tr.augment && tr.augment.opts.mode !== 'noaug' ? ` augment ${stats.augmentP.toFixed(3)}` : ''}${stats.rt !== null ? ` rt ${stats.rt.toFixed(3)}` : ''}`);
      sums.lossG = sums.lossD = sums.penalty = sums.n = 0;
      extraSums = {};
      tickStartNimg = tr.nimg;
      tickStartTime = Date.now();
      const snapNow = tick % o.snap === 0 || done;
      if (snapNow) lastSnapshot = await saveSnapshot();
      // The last tick too: the final snapshot always gets its metrics.
      if (metrics.length && (tick % (o.metricsEvery ?? 1) === 0 || done)) {
        const snapshot = snapNow ? lastSnapshot : null;
        // A stylegan2 G ignores res/alpha (always full resolution, alpha 1): the metric's calls fit both.
        await tickMetrics({ metrics, G: tr.Gema as unknown as Generator, res: sched.res, alpha: sched.alpha, ds, outdir: o.outdir, snapshot, kimg: tr.kimg, log });
      }
    }
  }
  if (o.signal?.aborted && !done) {
    lastSnapshot = await saveSnapshot();
    log(`Stopped at ${tr.kimg.toFixed(3)} kimg; snapshot ${lastSnapshot}. Continue with --resume latest.`);
  } else if (!lastSnapshot) {
    lastSnapshot = resumeFile ?? (await saveSnapshot());
  }
  const kimg = tr.kimg;
  z.dispose();
  gridC?.dispose();
  tr.dispose();
  return { snapshot: lastSnapshot, kimg };
}

function rtOrNull(rt: number | null): number | null {
  return rt === null ? null : +rt.toFixed(4);
}

function lossName(h: AnyHyperParams): string {
  if ('baseline' in h) return describeBaseline(h);
  if ('loss' in h) return `loss ${h.loss}`;
  if ('blurInitSigma' in h) {
    return `cfg ${h.cfgName}: nsgan, R1 gamma ${h.r1Gamma} every ${h.dRegInterval}, lr G ${h.lrG} D ${h.lrD}, G_ema ${h.emaKimg} kimg` +
      (h.blurInitSigma > 0 ? `, D blur sigma ${h.blurInitSigma} fading over ${h.blurFadeKimg} kimg` : '');
  }
  return `cfg ${h.cfgName}: nsgan, R1 gamma ${h.r1Gamma} every ${h.dRegInterval}, PL weight ${h.plWeight} every ${h.gRegInterval}`;
}
