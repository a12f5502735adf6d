/**
 * `stylegan bench`: per available backend, generator images/s, training images/s and conv-kernel
 * GFLOP/s on the networks' own shapes, against the machine's sgemm peak measured in the same run.
 * Node only (it picks backends through backend/node.ts).
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { availableNodeBackends, initNodeBackend, type BackendName } from '../backend/node.js';
import { loadNativeAddon, type NativeAddon } from '../backend/native-addon.js';
import { Generator } from '../networks/stylegan/generator.js';
import { NETWORK_PRESETS, type NetworkPresetName } from '../networks/stylegan/presets.js';
import { Trainer, DEFAULT_HYPER } from '../training/trainer.js';
import { Stylegan2Trainer } from '../training/trainer-stylegan2.js';
import { stylegan2Preset } from '../training/stylegan2-presets.js';
import { StyleGAN2Generator } from '../networks/stylegan2/generator.js';
import { defaultStyleGAN2Config } from '../networks/stylegan2/config.js';
import type { StyleGAN2Config } from '../networks/stylegan2/config.js';
import { StyleGAN3Generator } from '../networks/stylegan3/generator.js';
import type { StyleGAN3Config } from '../networks/stylegan3/config.js';
import { Stylegan3Trainer } from '../training/trainer-stylegan3.js';
import { stylegan3Preset } from '../training/stylegan3-presets.js';
import type { GeneratorLike } from '../networks/generator-api.js';
import type { TrainerLike } from '../training/trainer-base.js';
import { DEFAULT_AUGMENT, type AugmentOptions } from '../training/augment/ada.js';
import { convFlops, networkConvShapes, type ConvShape } from './shapes.js';
import { timeIt } from './timing.js';
import { benchFilteredLrelu, type FilteredLreluRow } from './filtered-lrelu.js';
import type { StartupBench } from './startup.js';

export interface BenchOptions {
  /** Backends to run; default: every available one except the (reference, very slow) cpu. */
  backends?: BackendName[];
  /** Tiny sizes and budgets: proves the benchmark runs, in seconds. */
  quick?: boolean;
  /** Sections to run (default all). */
  only?: BenchSection[];
  /** Progress lines. */
  log?: (line: string) => void;
  /** Only the machine line (the startup section runs on its own, in cli/bench.ts). */
  skipAll?: boolean;
}

export const BENCH_SECTIONS = ['generation', 'training', 'conv', 'filtered-lrelu', 'startup'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

/**
 * Which network: the original StyleGAN presets, StyleGAN2 of the same shape (see
 * stylegan2BenchConfig), or StyleGAN3-T / -R as the stylegan3-t-cpu / -r-cpu cfgs build them
 * (presets sg3t-N, sg3r-N; see stylegan3BenchConfig).
 */
export type BenchArch = 'stylegan' | 'stylegan2' | 'stylegan3';

export interface GenerationRow { arch: BenchArch; preset: string; resolution: number; batch: number; msPerBatch: number; imagesPerSec: number }
export interface TrainingRow {
  arch: BenchArch; preset: string; resolution: number; batch: number; msPerStep: number; imagesPerSec: number;
  /** What one step does. */
  step: string;
}
export type ConvKernel = 'Conv2D' | 'Conv2DBackpropInput' | 'Conv2DBackpropFilter';
export interface ConvRow {
  kernel: ConvKernel; where: string; x: number[]; filter: number[]; ms: number; gflops: number;
  /** The fastest sgemm timed interleaved with this kernel (null without the addon). */
  peakGflops: number | null;
  percentOfPeak: number | null;
}
export interface ConvSummary { kernel: ConvKernel; gflops: number; percentOfPeak: number | null }

export interface BackendBench {
  backend: BackendName;
  generation: GenerationRow[];
  training: TrainingRow[];
  conv: ConvRow[];
  /** StyleGAN3's filtered_lrelu, fused kernel vs composite ops (backends with the kernel only). */
  filteredLrelu: FilteredLreluRow[];
  /** Per kernel: all shapes' FLOPs over all shapes' time (see convSummary). */
  convSummary: ConvSummary[];
}

export interface BenchResult {
  quick: boolean;
  machine: { cpu: string; cores: number; node: string; date: string };
  /** OpenBLAS sgemm on all cores (n^3), or null without the native addon. */
  sgemm: { n: number; gflops: number; core: string } | null;
  backends: BackendBench[];
  /** Why the native backend is absent, when it is. */
  nativeMissing?: string;
  /** The startup section (src/bench/startup.ts), when it ran. */
  startup?: StartupBench;
}

/**
 * StyleGAN2 with our cpu32/cpu64 presets' shape (128-d z and w, channels min(base / res, max)
 * with base 1024, max 64 up to 32 px, 2048 and 128 above) and NVIDIA's other constructor
 * defaults (8 mapping layers, skip G, resnet D): what bench/pytorch_reference.py builds.
 */
export function stylegan2BenchConfig(resolution: number): StyleGAN2Config {
  const channelBase = resolution <= 32 ? 1024 : 2048, channelMax = resolution <= 32 ? 64 : 128;
  return defaultStyleGAN2Config({
    zDim: 128, wDim: 128, imgResolution: resolution, mapping: { numLayers: 8 },
    synthesis: { channelBase, channelMax }, discriminator: { channelBase, channelMax },
  });
}

/**
 * StyleGAN3-T or -R of `train --arch stylegan3 --cfg stylegan3-t-cpu / -r-cpu` at `resolution`
 * (128-d z and w, 2 mapping layers, G channels min(1024 / ..., 64), doubled for R with 1x1 convs
 * and radial filters; StyleGAN2's D with base 1024, max 64): what bench/stylegan3_reference.py builds.
 */
export function stylegan3BenchConfig(preset: string, resolution: number, batch = 16): StyleGAN3Config {
  return stylegan3Preset(preset.startsWith('sg3r') ? 'stylegan3-r-cpu' : 'stylegan3-t-cpu', resolution, batch).config;
}

interface NetPick {
  arch: BenchArch; preset: string; resolution: number; batch: number;
  /** Training with D's inputs augmented (ADA's pipe at a fixed p): its cost next to the same row without. */
  augment?: AugmentOptions;
}

/** The augmented training row: NVIDIA's default pipe at a p ADA typically reaches on small data sets. */
const BENCH_AUGMENT: AugmentOptions = { ...DEFAULT_AUGMENT, mode: 'fixed', pipe: 'bgc', p: 0.4 };

interface Plan {
  gen: NetPick[];
  train: NetPick[];
  conv: ConvShape[];
  minMs: number;
  trainMinMs: number;
  /** Timed training steps at least (after one warm-up step, none when quick). */
  trainIters: number;
  sgemmN: number;
  quick: boolean;
}

function plan(quick: boolean): Plan {
  if (quick) {
    return {
      gen: [{ arch: 'stylegan', preset: 'cpu16', resolution: 16, batch: 1 }, { arch: 'stylegan', preset: 'cpu16', resolution: 16, batch: 2 },
        { arch: 'stylegan2', preset: 'sg2-16', resolution: 16, batch: 2 }, { arch: 'stylegan3', preset: 'sg3t-16', resolution: 16, batch: 1 },
        { arch: 'stylegan3', preset: 'sg3r-16', resolution: 16, batch: 1 }],
      train: [{ arch: 'stylegan', preset: 'cpu16', resolution: 16, batch: 2 }, { arch: 'stylegan2', preset: 'sg2-16', resolution: 16, batch: 2 },
        ...(['sg3t-16', 'sg3r-16'].map((preset) => ({ arch: 'stylegan3' as const, preset, resolution: 16, batch: 2 })))],
      conv: networkConvShapes(NETWORK_PRESETS.cpu16, 2).slice(0, 2),
      minMs: 20, trainMinMs: 0, trainIters: 1, sgemmN: 128, quick: true,
    };
  }
  const conv = [...networkConvShapes(NETWORK_PRESETS.cpu32, 16, 'cpu32 '), ...networkConvShapes(NETWORK_PRESETS.cpu64, 16, 'cpu64 ')];
  return {
    gen: [...(['stylegan', 'stylegan2'] as const).flatMap((arch) => [32, 64].flatMap((resolution) => [1, 8].map((batch) => (
      { arch, preset: arch === 'stylegan' ? `cpu${resolution}` : `sg2-${resolution}`, resolution, batch })))),
      // StyleGAN3 at 32 px only: its 14 layers run at 36-52 px whatever the output size.
      ...['sg3t-32', 'sg3r-32'].flatMap((preset) => [1, 8].map((batch) => ({ arch: 'stylegan3' as const, preset, resolution: 32, batch })))],
    train: [...(['stylegan', 'stylegan2'] as const).flatMap((arch) => [32, 64].map((resolution) => (
      { arch, preset: arch === 'stylegan' ? `cpu${resolution}` : `sg2-${resolution}`, resolution, batch: DEFAULT_HYPER.batch }))),
    { arch: 'stylegan2', preset: 'sg2-32', resolution: 32, batch: DEFAULT_HYPER.batch, augment: BENCH_AUGMENT },
    ...['sg3t-32', 'sg3r-32'].map((preset) => ({ arch: 'stylegan3' as const, preset, resolution: 32, batch: 16 }))],
    conv: conv.filter((s, i) => conv.findIndex((t) => t.x.join() === s.x.join() && t.filter.join() === s.filter.join()) === i),
    minMs: 2000, trainMinMs: 8000, trainIters: 2, sgemmN: 1024, quick: false,
  };
}

/**
 * The machine's sgemm peak: OpenBLAS sgemm of n^3 on all cores, fastest single call (like every
 * other number here, see timing.ts; the addon times only the sgemm). This shared machine's speed
 * drifts by 10-20% over seconds, so each conv kernel is compared with the sgemm timed in the same
 * window (interleaved with it, see benchConv); the run's peak is the fastest sgemm of all.
 */
class SgemmPeak {
  private best = Infinity;
  private constructor(readonly n: number, private readonly addon: NativeAddon) {}

  static create(n: number): SgemmPeak | null {
    const { addon } = loadNativeAddon();
    return addon ? new SgemmPeak(n, addon) : null;
  }

  /** GFLOP/s of one sgemm (and the run's peak updated). */
  once(): number {
    const s = this.addon.sgemmSeconds(this.n, 1);
    this.best = Math.min(this.best, s);
    return (2 * this.n ** 3) / s / 1e9;
  }

  sample(minMs: number, minIters: number): void {
    for (let i = 0, t0 = performance.now(); i < minIters || performance.now() - t0 < minMs; i++) this.once();
  }

  result(): NonNullable<BenchResult['sgemm']> {
    return { n: this.n, gflops: (2 * this.n ** 3) / this.best / 1e9, core: this.addon.blasCore() };
  }
}

function generator(pick: NetPick): GeneratorLike {
  if (pick.arch === 'stylegan3') return new StyleGAN3Generator(stylegan3BenchConfig(pick.preset, pick.resolution));
  return pick.arch === 'stylegan' ? new Generator(NETWORK_PRESETS[pick.preset as NetworkPresetName]) : new StyleGAN2Generator(stylegan2BenchConfig(pick.resolution));
}

function benchGeneration(p: Plan): GenerationRow[] {
  return p.gen.map((pick) => {
    const G = generator(pick);
    const z = tf.randomNormal([pick.batch, G.cfg.zDim], 0, 1, 'float32', 1) as tf.Tensor2D;
    const t = timeIt(() => {
      const img = G.forward(z, { noiseMode: 'const' });
      img.dataSync();
      img.dispose();
    }, p.minMs);
    z.dispose();
    G.dispose();
    return { ...pick, msPerBatch: t.ms, imagesPerSec: (pick.batch * 1000) / t.ms };
  });
}

/** Official-style lazy regularization: R1 every 16 and path length every 4 minibatches. */
const SG2_REG = { r1Gamma: 10, plWeight: 2, gRegInterval: 4, dRegInterval: 16, mixing: 0.9 };

function trainer(pick: NetPick, data: { numImages: number; mirror: boolean; sample: (idx: number[]) => Float32Array }): TrainerLike & { dispose(): void } {
  if (pick.arch === 'stylegan') return new Trainer(NETWORK_PRESETS[pick.preset as NetworkPresetName], { ...DEFAULT_HYPER, batch: pick.batch }, data);
  if (pick.arch === 'stylegan3') {
    const p = stylegan3Preset(pick.preset.startsWith('sg3r') ? 'stylegan3-r-cpu' : 'stylegan3-t-cpu', pick.resolution, pick.batch);
    return new Stylegan3Trainer(p.config, p.hyper, data);
  }
  const hyper = { ...stylegan2Preset('cpu', pick.resolution).hyper, ...SG2_REG, batch: pick.batch, augment: pick.augment };
  return new Stylegan2Trainer(stylegan2BenchConfig(pick.resolution), hyper, data);
}

function benchTraining(p: Plan): TrainingRow[] {
  return p.train.map((pick) => {
    const r = pick.resolution, size = r * r * 3;
    const reals = Float32Array.from({ length: 4 * size }, (_, i) => Math.sin(i * 0.37));
    const sample = (idx: number[]) => {
      const out = new Float32Array(idx.length * size);
      idx.forEach((k, j) => out.set(reals.subarray((k % 4) * size, (k % 4 + 1) * size), j * size));
      return out;
    };
    const t = trainer(pick, { numImages: 4, mirror: false, sample });
    let ms: number;
    let step: string;
    if (pick.arch === 'stylegan') {
      ms = timeIt(() => t.trainStep(), p.trainMinMs, p.trainIters, p.trainIters > 1 ? 1 : 0).ms;
      step = 'D (with R1) + G, every minibatch; fastest step';
    } else {
      // Minibatches differ (lazy regularization): the mean over one 16-step cycle.
      const n = p.quick ? 1 : SG2_REG.dRegInterval;
      if (!p.quick) t.trainStep();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) t.trainStep();
      ms = (performance.now() - t0) / n;
      step = pick.arch === 'stylegan3'
        ? `Gmain+Dmain (EMAs updated), R1 every 16${pick.preset.startsWith('sg3r') ? ', D input blur sigma 10' : ''}; mean over ${n} step${n > 1 ? 's' : ''}`
        : `Gmain+Dmain, PL every 4, R1 every 16; mean over ${n} step${n > 1 ? 's' : ''}` +
          (pick.augment ? `; D's inputs augmented (${pick.augment.pipe}, p ${pick.augment.p})` : '');
    }
    t.dispose();
    return { ...pick, msPerStep: ms, imagesPerSec: (pick.batch * 1000) / ms, step };
  });
}

/**
 * A conv kernel's fastest call and, when there is an sgemm to compare with, the fastest sgemm
 * interleaved with it: bursts of >= 20 ms of kernel calls (the first calls after an sgemm find
 * the caches full of its matrices), one sgemm after each burst.
 */
function timeAgainstPeak(call: () => void, minMs: number, peak: SgemmPeak | null): { ms: number; peakGflops: number | null } {
  call();
  let best = Infinity, peakGflops = 0;
  const t0 = performance.now();
  for (let round = 0; round < 3 || performance.now() - t0 < minMs; round++) {
    for (let i = 0, t1 = performance.now(); i < 3 || performance.now() - t1 < 20; i++) {
      const t = performance.now();
      call();
      best = Math.min(best, performance.now() - t);
    }
    if (peak) peakGflops = Math.max(peakGflops, peak.once());
  }
  return { ms: best, peakGflops: peak ? peakGflops : null };
}

function benchConv(p: Plan, peak: SgemmPeak | null): ConvRow[] {
  const rows: ConvRow[] = [];
  for (const s of p.conv) {
    const x = tf.randomNormal(s.x, 0, 1, 'float32', 2) as tf.Tensor4D;
    const w = tf.randomNormal(s.filter, 0, 0.1, 'float32', 3) as tf.Tensor4D;
    const dy = tf.randomNormal([s.x[0], s.x[1], s.x[2], s.filter[3]], 0, 1, 'float32', 4) as tf.Tensor4D;
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
    const calls: Record<ConvKernel, () => tf.Tensor> = {
      Conv2D: () => tf.conv2d(x, w, 1, 'same'),
      Conv2DBackpropInput: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: s.x }) as tf.Tensor,
      Conv2DBackpropFilter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: s.filter }) as tf.Tensor,
    };
    for (const [kernel, call] of Object.entries(calls) as Array<[ConvKernel, () => tf.Tensor]>) {
      // Every Node backend runs kernels synchronously, so the call is the kernel's whole time. The
      // output is not read back: a read hands its storage to the caller (the native backend then
      // never recycles it), so each call would time a fresh allocation, which training never does.
      const t = timeAgainstPeak(() => call().dispose(), p.minMs / 2, peak);
      const gflops = convFlops(s) / t.ms / 1e6;
      rows.push({
        kernel, where: s.where, x: s.x, filter: s.filter, ms: t.ms, gflops, peakGflops: t.peakGflops,
        percentOfPeak: t.peakGflops ? (100 * gflops) / t.peakGflops : null,
      });
    }
    tf.dispose([x, w, dy]);
  }
  return rows;
}

/**
 * Per kernel: all shapes' FLOPs over all shapes' time, and the time the kernels would take at
 * their windows' sgemm speed as a percentage of the time they took.
 */
function convSummary(rows: ConvRow[]): ConvSummary[] {
  return (['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'] as const).map((kernel) => {
    const mine = rows.filter((r) => r.kernel === kernel);
    const ms = mine.reduce((a, r) => a + r.ms, 0);
    const gflops = ms > 0 ? mine.reduce((a, r) => a + r.gflops * r.ms, 0) / ms : 0;
    const atPeak = mine.every((r) => r.peakGflops) ? mine.reduce((a, r) => a + (r.gflops * r.ms) / r.peakGflops!, 0) : null;
    return { kernel, gflops, percentOfPeak: atPeak !== null && ms > 0 ? (100 * atPeak) / ms : null };
  });
}

export async function runBench(opts: BenchOptions = {}): Promise<BenchResult> {
  const log = opts.log ?? (() => {});
  const p = plan(!!opts.quick);
  let nativeMissing: string | undefined;
  const available = await availableNodeBackends((why) => { nativeMissing = why; });
  const wanted = opts.backends ?? available.filter((b) => b !== 'cpu');
  // webgpu has no synchronous reads in Node, which these sections time with: it has its own bench.
  if (wanted.includes('webgpu')) throw new Error(`backend 'webgpu': use node --import tsx bench/webgpu.ts (or bash bench/webgpu-gpu.sh on a GPU machine)`);
  for (const b of wanted) if (!available.includes(b)) throw new Error(`backend '${b}' is not available here${b === 'native' && nativeMissing ? ` (${nativeMissing})` : ''}`);
  if (!opts.skipAll) log(`sgemm peak (OpenBLAS, n=${p.sgemmN}, ${os.availableParallelism()} threads)...`);
  const peak = opts.skipAll ? null : SgemmPeak.create(p.sgemmN);
  peak?.sample(p.minMs, 5);
  const result: BenchResult = {
    quick: !!opts.quick,
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), node: process.version, date: new Date().toISOString() },
    sgemm: null, backends: [], nativeMissing,
  };
  for (const backend of opts.skipAll ? [] : wanted) {
    await initNodeBackend(backend, true);
    const want = (s: BenchSection) => !opts.only || opts.only.includes(s);
    const section = <T>(s: BenchSection, what: string, run: () => T[]): T[] => {
      if (!want(s)) return [];
      log(`${backend}: ${what}...`);
      return run();
    };
    const generation = section('generation', 'generation', () => benchGeneration(p));
    const training = section('training', 'training', () => benchTraining(p));
    const conv = section('conv', 'conv kernels (each interleaved with sgemm)', () => benchConv(p, peak));
    const filteredLrelu = section('filtered-lrelu', 'filtered_lrelu, fused vs composite', () => benchFilteredLrelu(p.quick, p.minMs / 2));
    result.backends.push({ backend, generation, training, conv, filteredLrelu, convSummary: [] });
  }
  result.sgemm = peak?.result() ?? null;
  for (const b of result.backends) b.convSummary = b.conv.length ? convSummary(b.conv) : [];
  return result;
}
