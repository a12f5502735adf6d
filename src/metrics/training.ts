/**
 * Training-time metrics (`stylegan train --metrics swd --metrics-every N`): metrics that need
 * no external weights, computed on G_ema every N ticks and appended to metric-NAME.jsonl in
 * the run folder (NVIDIA's format), so quality can be monitored on any machine. StyleGAN3 runs
 * can also follow their equivariance (eqt50k_int, eqt50k_frac, eqr50k) on a fixed sample.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../networks/stylegan/generator.js';
import type { Dataset } from '../data/dataset.js';
import { RandomState, type RandomStateSnapshot } from '../sampling/rng.js';
import { upsample2d } from '../ops/resample.js';
import { SwdDescriptors, swdFromDescriptors, floatToUint8Range, swdResolutions } from './swd.js';
import { appendMetricJsonl } from './run.js';
import { readTensors } from '../backend/gpu-reads.js';
import { computeEquivariance, transformableGenerator, type EquivarianceKind } from './equivariance.js';
import { hasInputTransform } from '../sampling/input-transform.js';
import type { GeneratorLike } from '../networks/generator-api.js';

/** Metrics `train --metrics` accepts (the eq* ones on StyleGAN3 networks only). */
export const TRAINING_METRICS = ['swd', 'eqt50k_int', 'eqt50k_frac', 'eqr50k'] as const;
const EQ_KIND: Record<string, EquivarianceKind> = { eqt50k_int: 'int', eqt50k_frac: 'frac', eqr50k: 'rot' };
/**
 * Samples of the training-time equivariance metrics (16 batches of 4, the same latents and
 * transforms every tick): a curve to follow, not the 50k number (stylegan metrics on a snapshot).
 */
export const TRAINING_EQ_SAMPLES = 64;
/**
 * Images per side for training-time SWD: fixed, since SWD depends on the count (fewer images
 * read higher). 256 costs a few seconds a tick on 2 cores (2048 took ~160 s); it tracks the
 * curve, while `stylegan metrics --metrics swd --num 1000` is the number to quote.
 */
export const TRAINING_SWD_IMAGES = 256;

export interface TickMetricsOptions {
  metrics: string[];
  G: Generator;
  /** Current growing resolution and fade-in; fakes are upsampled to the full resolution. */
  res: number;
  alpha: number;
  ds: Dataset;
  outdir: string;
  /** Snapshot written at this tick (file name relative to outdir), if any. */
  snapshot: string | null;
  kimg: number;
  log?: (line: string) => void;
}

/** `arch` undefined: not known yet (a resumed run); the eq* metrics are then checked on the network at the tick. */
export function checkTrainingMetrics(names: string[], resolution: number, arch?: string): void {
  for (const n of names) {
    if (n in EQ_KIND && arch !== undefined && arch !== 'stylegan3') throw new Error(`--metrics ${n} needs --arch stylegan3 (it transforms the input of a StyleGAN3 generator)`);
    if (n === 'eqr50k' && resolution < 16) throw new Error(`--metrics eqr50k needs a resolution of at least 16 (NVIDIA's rotation masks leave no pixel below), got ${resolution}`);
    if (!(TRAINING_METRICS as readonly string[]).includes(n)) {
      throw new Error(`--metrics: '${n}' cannot run during training (available: ${TRAINING_METRICS.join(', ')}; use stylegan metrics on snapshots for the others)`);
    }
    if (n === 'swd' && swdResolutions(resolution).length === 0) throw new Error(`--metrics swd needs a resolution of at least 16, got ${resolution}`);
  }
}

/** The reals' descriptors and the random state after them: the same every tick of a run, so computed once. */
interface RealSide {
  ds: Dataset;
  n: number;
  seed: number;
  desc: Float32Array[];
  resolutions: number[];
  rng: RandomStateSnapshot;
}
let realCache: RealSide | undefined;

function realSide(ds: Dataset, n: number, seed: number): RealSide {
  if (realCache?.ds === ds && realCache.n === n && realCache.seed === seed) return realCache;
  const full = ds.resolution, size = full * full * 3, batch = 64;
  const rng = new RandomState(seed);
  const real = new SwdDescriptors(full, rng);
  for (let i = 0; i < n; i += batch) {
    const b = Math.min(batch, n - i);
    real.feed(ds.images.subarray(i * size, (i + b) * size), b);
  }
  realCache = { ds, n, seed, desc: real.finalize(), resolutions: real.resolutions, rng: rng.getState() };
  return realCache;
}

/** SWD of G_ema against the first `TRAINING_SWD_IMAGES` training images, at the full resolution. */
export async function trainingSwd(o: TickMetricsOptions, seed = 0): Promise<Record<string, number>> {
  const full = o.ds.resolution;
  const n = Math.min(o.ds.numImages, TRAINING_SWD_IMAGES);
  // Descriptors (pyramids, neighbourhoods) are plain JS; the projections run on the training
  // backend (the GPU on webgpu) and are sorted in JS once read back.
  const real = realSide(o.ds, n, seed);
  const rng = RandomState.fromState(real.rng);
  const fake = new SwdDescriptors(full, rng);
  const zr = new RandomState(seed + 1);
  const cDim = (o.G.cfg as { cDim?: number }).cDim ?? 0;
  if (cDim > 0 && o.ds.labels?.dim !== cDim) throw new Error(`swd: the network takes ${cDim} label values, the data set has ${o.ds.labels ? o.ds.labels.dim : 'no labels'}`);
  const batch = 64;
  for (let i = 0; i < n; i += batch) {
    const b = Math.min(batch, n - i);
    const img = tf.tidy(() => {
      const z = tf.tensor2d(Float32Array.from(zr.randn(b, o.G.cfg.zDim)), [b, o.G.cfg.zDim]);
      // Conditional networks: the labels of random training images (NVIDIA's metrics), after z's draws.
      const l = o.ds.labels, c = l && cDim > 0 ? tf.tensor2d(o.ds.labelBatch(Array.from({ length: b }, () => zr.randomInterval(o.ds.numImages - 1))), [b, l.dim]) : undefined;
      let x = o.G.forward(z, { res: o.res, alpha: o.alpha, noiseMode: 'random', c } as Parameters<Generator['forward']>[1]);
      for (let r = o.res; r < full; r *= 2) x = upsample2d(x);
      return x;
    });
    const [pixels] = await readTensors([img], { dispose: true });
    fake.feed(floatToUint8Range(pixels), b);
  }
  const r = await swdFromDescriptors(real.desc, fake.finalize(), real.resolutions, rng);
  const results: Record<string, number> = { swd: r.avg };
  for (const l of r.levels) results[`swd_${l.resolution}`] = l.swd;
  return results;
}

/** Runs the requested training metrics and appends one JSON line per metric. */
export async function tickMetrics(o: TickMetricsOptions): Promise<void> {
  fs.mkdirSync(o.outdir, { recursive: true });
  for (const name of o.metrics) {
    const start = Date.now();
    if (name in EQ_KIND) {
      if (!hasInputTransform(o.G as unknown as GeneratorLike)) {
        o.log?.(`warning: ${name} skipped: it needs a StyleGAN3 network, this run is '${o.G.cfg.arch}'`);
        continue;
      }
      const r = await computeEquivariance(transformableGenerator(o.G as unknown as GeneratorLike), { num: TRAINING_EQ_SAMPLES, batch: 4, kinds: [EQ_KIND[name]], rng: new RandomState(0) });
      const totalTime = (Date.now() - start) / 1000;
      appendMetricJsonl(o.outdir, { metric: name, results: { [name]: r[EQ_KIND[name]] }, totalTime, num: TRAINING_EQ_SAMPLES }, o.snapshot && path.basename(o.snapshot));
      o.log?.(`${name} ${r[EQ_KIND[name]].toFixed(2)} dB at kimg ${o.kimg.toFixed(1)} (${totalTime.toFixed(1)}s)`);
      continue;
    }
    if (swdResolutions(o.ds.resolution).length === 0) {
      // A resumed run can be smaller than the --resolution checked up front: say so, keep training.
      o.log?.(`warning: swd skipped: it needs images of at least 16x16, the run is ${o.ds.resolution}x${o.ds.resolution}`);
      continue;
    }
    const results = await trainingSwd(o);
    const totalTime = (Date.now() - start) / 1000;
    appendMetricJsonl(o.outdir, { metric: name, results, totalTime, num: Math.min(o.ds.numImages, TRAINING_SWD_IMAGES) }, o.snapshot && path.basename(o.snapshot));
    o.log?.(`${name} ${results.swd.toFixed(4)} at kimg ${o.kimg.toFixed(1)} (${totalTime.toFixed(1)}s)`);
  }
}
