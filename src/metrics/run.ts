/**
 * Runs metrics (Node): image sources (a generator, or folders of images), feature networks
 * loaded once from user-supplied weights, cached real statistics, and NVIDIA's JSONL record
 * `metric-NAME.jsonl` next to the network.
 */
import { computeEquivariance, transformableGenerator } from './equivariance.js';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorLike } from '../networks/generator-api.js';
import { loadDataset, type Dataset } from '../data/dataset.js';
import { RandomState } from '../sampling/rng.js';
import { type MetricSpec } from './registry.js';
import { InceptionV3 } from './inception.js';
import { Vgg16 } from './vgg16.js';
import { MissingWeightsError, readWeightFile, fileHash } from './weights.js';
import { FeatureStats } from './feature-stats.js';
import { frechetDistance } from './frechet.js';
import { kernelInceptionDistance } from './kid.js';
import { precisionRecall } from './precision-recall.js';
import { inceptionScore } from './inception-score.js';
import { perceptualPathLength } from './ppl.js';
import { SwdDescriptors, swdFromDescriptors, floatToUint8Range, swdResolutions } from './swd.js';
import { cacheKey, datasetFingerprint, defaultCacheDir, readCache, writeCache } from './cache.js';
import { CustomFeatureNet, modelHash, type FeatureRange } from './custom-features.js';
import { CLASSIFIERS_HELP, classifierFiles } from './classifiers.js';
import { computeLinearSeparability } from './ls-run.js';
import { readTensors } from '../backend/gpu-reads.js';

/** metric_main.py's batch_size for the equivariance metrics: one transform per 4 samples. */
const EQ_BATCH = 4;

export interface MetricsOptions {
  /** The generator to evaluate (or `fakeData`, a folder standing in for generated images). */
  G?: GeneratorLike;
  networkFile?: string;
  fakeData?: string;
  /** Real images (folder or zip). */
  data?: string;
  resolution: number;
  /** Fewer samples than the metric's definition (generated and real alike). */
  num?: number;
  inception?: string;
  vgg16?: string;
  /** TF.js model.json for fid_custom, and the pixel range it expects. */
  featureNet?: string;
  featureRange?: FeatureRange;
  /** Folder of NVIDIA's 40 celebahq-classifier-NN-<attr>.pkl files (ls). */
  classifiers?: string;
  cacheDir?: string;
  batch?: number;
  /** Seed of the latents and of the metrics' own randomness. */
  seed?: number;
  log?: (line: string) => void;
}

export interface MetricResult {
  metric: string;
  results: Record<string, number>;
  totalTime: number;
  num: number;
}

const INCEPTION_HELP = 'the FID Inception-v3 weights: pass --inception FILE (pt_inception-2015-12-05-6726825d.pth converted to .safetensors or .npz; see stylegan metrics --help)';
const VGG16_HELP = 'the VGG16 weights: pass --vgg16 FILE (torchvision vgg16 + LPIPS v0.1 lin layers as .safetensors or .npz; see stylegan metrics --help)';

/** One-line check, before any work, that every metric asked for can run with what was given. */
export function checkRequirements(specs: MetricSpec[], o: Pick<MetricsOptions, 'data' | 'inception' | 'vgg16' | 'featureNet' | 'classifiers'> & { hasGenerator: boolean }): void {
  for (const m of specs) {
    if (m.weights === 'classifiers') {
      if (!o.classifiers) throw new MissingWeightsError(`${m.name} needs ${CLASSIFIERS_HELP}`);
      classifierFiles(o.classifiers); // all 40 present, or one line naming the missing ones
    }
    if (m.kind === 'ls' && !o.hasGenerator) throw new Error(`${m.name} separates the latent space of a generator: pass --network FILE`);
    if (m.weights === 'inception' && !o.inception) throw new MissingWeightsError(`${m.name} needs ${INCEPTION_HELP}`);
    if (m.weights === 'vgg16' && !o.vgg16) throw new MissingWeightsError(`${m.name} needs ${VGG16_HELP}`);
    if (m.weights === 'custom' && !o.featureNet) throw new MissingWeightsError(`${m.name} needs a feature network: pass --feature-net model.json (a TF.js Layers or Graph model)`);
    if (m.needsReal && !o.data) throw new Error(`${m.name} compares with real images: pass --data PATH`);
    if (m.kind === 'ppl' && !o.hasGenerator) throw new Error(`${m.name} walks the latent space of a generator: pass --network FILE`);
    if (m.kind === 'eq' && !o.hasGenerator) throw new Error(`${m.name} transforms the input of a StyleGAN3 generator: pass --network FILE`);
  }
  for (const file of [o.inception, o.vgg16, o.featureNet]) if (file && !fs.existsSync(file)) throw new MissingWeightsError(`weights file not found: ${file}`);
}

/** NVIDIA's uint8 conversion of generated images: (x * 127.5 + 128).clamp(0, 255).to(uint8). */
export function nvidiaToUint8(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(255, Math.max(0, Math.trunc(x[i] * 127.5 + 128)));
  return out;
}

type Batch = { data: Uint8Array; n: number };
type Detector = 'inception' | 'vgg16-fc2' | 'custom';
/** A feature network's outputs for one batch: features [n, dim], and Inception's logits when asked for. */
type Extracted = { features: tf.Tensor2D; logits?: tf.Tensor2D };
type Extract = (b: Batch) => Extracted;

/** NVIDIA's dnnlib.util.format_time. */
export function formatTime(seconds: number): string {
  const s = Math.round(seconds);
  const p = (v: number) => String(v).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${p(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${p(Math.floor(s / 60) % 60)}m ${p(s % 60)}s`;
  return `${Math.floor(s / 86400)}d ${p(Math.floor(s / 3600) % 24)}h ${p(Math.floor(s / 60) % 60)}m`;
}

export class MetricsRunner {
  private readonly datasets = new Map<string, Promise<Dataset>>();
  private inceptionNet?: InceptionV3;
  private vggNet?: Vgg16;
  private vggFc = false;
  private readonly cacheDir: string;
  private readonly batch: number;
  private readonly log: (line: string) => void;

  constructor(readonly o: MetricsOptions) {
    this.cacheDir = o.cacheDir ?? defaultCacheDir();
    this.batch = o.batch ?? 8;
    this.log = o.log ?? (() => {});
  }

  dispose(): void {
    this.inceptionNet?.dispose();
    this.vggNet?.dispose();
    this.customNet?.dispose();
  }

  /** A folder loaded once; with --num only its first num images (no metric reads more). */
  private dataset(p: string): Promise<Dataset> {
    if (!this.datasets.has(p)) {
      this.log(`Loading images from ${p} at ${this.o.resolution}x${this.o.resolution}...`);
      // Labels (when the set has them) for a conditional G's c, drawn from the reals as NVIDIA's.
      this.datasets.set(p, loadDataset({ path: p, resolution: this.o.resolution, maxImages: this.o.num, labels: p === this.o.data && (this.o.G?.cfg.cDim ?? 0) > 0 ? 'if-any' : false }));
    }
    return this.datasets.get(p)!;
  }

  private inception(): InceptionV3 {
    return (this.inceptionNet ??= new InceptionV3(readWeightFile(this.o.inception!), this.o.inception!));
  }

  /** VGG16 with LPIPS; its 400 MB classifier only once a metric (precision/recall) needs it. */
  private vgg(fc: boolean): Vgg16 {
    if (this.vggNet && fc && !this.vggFc) {
      this.vggNet.dispose();
      this.vggNet = undefined;
    }
    if (!this.vggNet) {
      const w = readWeightFile(this.o.vgg16!);
      // LPIPS weights are optional when only fc2 features are wanted.
      this.vggNet = new Vgg16(w, this.o.vgg16!, { lpips: !fc || w.has('lin0.model.1.weight'), fc });
      this.vggFc = fc;
    }
    return this.vggNet;
  }

  /**
   * Generated images (NVIDIA: z ~ N(0, I) from a seeded RandomState, psi 1, random noise). A
   * conditional network gets the labels of random real images (--data; NVIDIA's metric_utils:
   * dataset.get_label(randint(len(dataset)))), so fakes follow the reals' class distribution;
   * without labelled reals, a uniformly drawn class per image.
   */
  private async *generated(n: number, convert: (x: Float32Array) => Uint8Array): AsyncGenerator<Batch> {
    if (this.o.fakeData) {
      yield* this.folder(this.o.fakeData, n);
      return;
    }
    const G = this.o.G!;
    const rng = new RandomState(this.o.seed ?? 0);
    const cDim = G.cfg.cDim;
    const reals = cDim > 0 && this.o.data ? await this.dataset(this.o.data) : undefined;
    if (reals?.labels && reals.labels.dim !== cDim) throw new Error(`${this.o.data}: its labels have ${reals.labels.dim} values, the network takes ${cDim}`);
    const labelled = reals?.labels ? reals : undefined;
    if (cDim > 0) this.log(labelled ? `Labels of random images of ${this.o.data} for the fakes (${labelled.labels!.origin})` : `No labelled reals: fakes get uniformly drawn classes (${cDim})`);
    for (let done = 0; done < n; done += this.batch) {
      const b = Math.min(this.batch, n - done);
      const z = Float32Array.from(rng.randn(b, G.cfg.zDim));
      let c: Float32Array | null = null;
      if (labelled) c = labelled.labelBatch(Array.from({ length: b }, () => rng.randomInterval(labelled.numImages - 1)));
      else if (cDim > 0) {
        c = new Float32Array(b * cDim);
        for (let i = 0; i < b; i++) c[i * cDim + rng.randomInterval(cDim - 1)] = 1;
      }
      const img = tf.tidy(() => G.forward(tf.tensor2d(z, [b, G.cfg.zDim]), { noiseMode: 'random', c: c ? tf.tensor2d(c, [b, cDim]) : undefined }));
      const [pixels] = await readTensors([img], { dispose: true });
      yield { data: convert(pixels), n: b };
    }
  }

  private async *folder(p: string, max?: number): AsyncGenerator<Batch> {
    const ds = await this.dataset(p);
    const n = Math.min(ds.numImages, max ?? Infinity);
    const size = ds.imageSize;
    for (let i = 0; i < n; i += this.batch) {
      const b = Math.min(this.batch, n - i);
      yield { data: ds.images.subarray(i * size, (i + b) * size), n: b };
    }
  }

  private async availableFake(): Promise<number> {
    return this.o.fakeData ? (await this.dataset(this.o.fakeData)).numImages : Infinity;
  }

  private async availableReal(): Promise<number> {
    return (await this.dataset(this.o.data!)).numImages;
  }

  /** Features (and, when `logits` is given, the logits) of a source through one feature network, with progress. */
  private async features(src: AsyncGenerator<Batch>, stats: FeatureStats, extract: Extract, what: string, total: number, logits?: Float32Array[]): Promise<void> {
    let last = Date.now();
    for await (const b of src) {
      const out = extract(b);
      const [f, l] = await readTensors(out.logits ? [out.features, out.logits] : [out.features], { dispose: true });
      stats.append(f);
      if (l && logits) logits.push(l);
      if (Date.now() - last > 10000) {
        this.log(`  ${what}: ${stats.num}/${total}`);
        last = Date.now();
      }
      if (stats.isFull && !logits) break;
    }
  }

  private inceptionExtract(withLogits = false): Extract {
    return (b) => this.inception().forward(b.data, b.n, this.o.resolution, withLogits);
  }

  private customNet?: CustomFeatureNet;

  /** Feature network by name: its dimension, identity for the cache, and extractor. */
  private async detector(d: Detector): Promise<{ dim: number; id: string; extract: Extract }> {
    if (d === 'inception') return { dim: InceptionV3.FEATURES, id: fileHash(this.o.inception!), extract: this.inceptionExtract() };
    if (d === 'vgg16-fc2') return { dim: 4096, id: fileHash(this.o.vgg16!), extract: (b) => ({ features: this.vgg(true).fc2(b.data, b.n, this.o.resolution) }) };
    this.customNet ??= await CustomFeatureNet.load(this.o.featureNet!, this.o.featureRange);
    const net = this.customNet;
    const probe = net.features(new Uint8Array(this.o.resolution * this.o.resolution * 3), 1, this.o.resolution);
    const dim = probe.shape[1];
    probe.dispose();
    return { dim, id: `${modelHash(this.o.featureNet!)}-${net.range}`, extract: (b) => ({ features: net.features(b.data, b.n, this.o.resolution) }) };
  }

  /** Real-image features through a detector, cached per data set, resolution, weights and cap. */
  private async realStats(detector: Detector, capture: 'meancov' | 'all', maxReal: number | undefined): Promise<FeatureStats> {
    const det = await this.detector(detector);
    const meta = { detector, weights: det.id, data: await datasetFingerprint(this.o.data!), resolution: this.o.resolution, maxReal: maxReal ?? null, capture };
    const name = `${detector}-${capture}-${cacheKey(meta)}`;
    const cached = readCache(this.cacheDir, name);
    if (cached) {
      this.log(`Real ${detector} statistics from cache (${cached.num} images): ${path.join(this.cacheDir, name)}.safetensors`);
      return FeatureStats.fromCache(det.dim, cached, capture);
    }
    const stats = new FeatureStats(det.dim, { captureMeanCov: capture === 'meancov', captureAll: capture === 'all', maxItems: maxReal });
    const total = Math.min(await this.availableReal(), maxReal ?? Infinity);
    await this.features(this.folder(this.o.data!, maxReal), stats, det.extract, `real ${detector} features`, total);
    await writeCache(this.cacheDir, name, stats.toCache(), meta);
    return stats;
  }

  private async genStats(detector: Detector, capture: 'meancov' | 'all', numGen: number): Promise<FeatureStats> {
    const det = await this.detector(detector);
    const stats = new FeatureStats(det.dim, { captureMeanCov: capture === 'meancov', captureAll: capture === 'all', maxItems: numGen });
    await this.features(this.generated(numGen, nvidiaToUint8), stats, det.extract, `generated ${detector} features`, numGen);
    return stats;
  }

  async run(m: MetricSpec): Promise<MetricResult> {
    const start = Date.now();
    const num = this.o.num;
    const numGen = Math.min(num ?? m.numGen, await this.availableFake());
    const maxReal = num === undefined ? m.maxReal : Math.min(m.maxReal ?? Infinity, num);
    let results: Record<string, number>;
    let used = numGen;
    switch (m.kind) {
      case 'fid': {
        const det: Detector = m.weights === 'custom' ? 'custom' : 'inception';
        const real = (await this.realStats(det, 'meancov', maxReal)).meanCov();
        const gen = (await this.genStats(det, 'meancov', numGen)).meanCov();
        this.log('  matrix square root...');
        results = { [m.name]: frechetDistance(gen.mean, gen.cov, real.mean, real.cov) };
        break;
      }
      case 'kid': {
        const real = (await this.realStats('inception', 'all', maxReal)).getAll();
        const gen = (await this.genStats('inception', 'all', numGen)).getAll();
        results = { [m.name]: await kernelInceptionDistance(gen, real, InceptionV3.FEATURES, { ...m.kid!, rng: new RandomState(this.o.seed ?? 0) }) };
        break;
      }
      case 'pr': {
        const real = (await this.realStats('vgg16-fc2', 'all', maxReal)).getAll();
        const gen = (await this.genStats('vgg16-fc2', 'all', numGen)).getAll();
        const r = await precisionRecall(real, gen, 4096, m.pr!.nhoodSize);
        results = { [`${m.name}_precision`]: r.precision, [`${m.name}_recall`]: r.recall };
        break;
      }
      case 'is': {
        const logits: Float32Array[] = [];
        const stats = new FeatureStats(InceptionV3.FEATURES, { maxItems: numGen });
        await this.features(this.generated(numGen, nvidiaToUint8), stats, this.inceptionExtract(true), 'generated Inception logits', numGen, logits);
        const all = new Float32Array(logits.reduce((a, l) => a + l.length, 0));
        let o = 0;
        for (const l of logits) { all.set(l, o); o += l.length; }
        const r = inceptionScore(all.subarray(0, numGen * InceptionV3.CLASSES), InceptionV3.CLASSES, 10);
        results = { [`${m.name}_mean`]: r.mean, [`${m.name}_std`]: r.std };
        break;
      }
      case 'ppl': {
        const p = m.ppl!;
        let last = Date.now();
        const v = await perceptualPathLength(this.o.G!, this.vgg(false), {
          num: numGen, epsilon: p.epsilon, space: p.space, sampling: p.sampling, crop: p.crop, rng: new RandomState(this.o.seed ?? 0),
          onProgress: (done, total) => {
            if (Date.now() - last > 10000) { this.log(`  ${m.name}: ${done}/${total}`); last = Date.now(); }
          },
        });
        results = { [m.name]: v };
        break;
      }
      case 'swd': {
        const r = await this.swd(numGen, maxReal ?? Infinity);
        results = r.results;
        used = r.num;
        break;
      }
      case 'eq': {
        let last = Date.now();
        const r = await computeEquivariance(transformableGenerator(this.o.G!), {
          num: numGen, batch: EQ_BATCH, kinds: [m.eq!], rng: new RandomState(this.o.seed ?? 0),
          onProgress: (done, total) => {
            if (Date.now() - last > 10000) { this.log(`  ${m.name}: ${done}/${total}`); last = Date.now(); }
          },
        });
        results = { [m.name]: r[m.eq!] };
        break;
      }
      case 'ls': {
        const r = await computeLinearSeparability(this.o.G!, classifierFiles(this.o.classifiers!), {
          num: numGen, seed: this.o.seed ?? 0, batch: this.batch, log: (l) => this.log(`  ${l}`),
        });
        results = { [`${m.name}_z`]: r.ls_z, [`${m.name}_w`]: r.ls_w };
        break;
      }
      default:
        throw new Error(`${m.name}: not supported`);
    }
    return { metric: m.name, results, totalTime: (Date.now() - start) / 1000, num: used };
  }

  /** SWD with equal real and generated counts (the reference compares equal-sized sets). */
  private async swd(numGen: number, maxReal: number): Promise<{ results: Record<string, number>; num: number }> {
    const n = Math.min(numGen, maxReal, await this.availableReal());
    // 128 descriptors of 147 floats per image, level and side: 16k images take GBs.
    const gb = (2 * n * 128 * 147 * 4 * swdResolutions(this.o.resolution).length) / 2 ** 30;
    if (gb > 1) this.log(`  swd: descriptors take about ${gb.toFixed(1)} GiB of memory (--num lowers it)`);
    const rng = new RandomState(this.o.seed ?? 0);
    const collect = async (src: AsyncGenerator<Batch>) => {
      const d = new SwdDescriptors(this.o.resolution, rng);
      let done = 0;
      for await (const b of src) {
        const take = Math.min(b.n, n - done);
        d.feed(b.data.subarray(0, take * this.o.resolution * this.o.resolution * 3), take);
        done += take;
        if (done >= n) break;
      }
      return d;
    };
    const real = await collect(this.folder(this.o.data!, Number.isFinite(maxReal) ? maxReal : undefined));
    const fake = await collect(this.generated(n, floatToUint8Range));
    const r = await swdFromDescriptors(real.finalize(), fake.finalize(), real.resolutions, rng);
    const results: Record<string, number> = { swd: r.avg };
    for (const l of r.levels) results[`swd_${l.resolution}`] = l.swd;
    return { results, num: n };
  }
}

/** Appends NVIDIA's JSON line to DIR/metric-NAME.jsonl. */
export function appendMetricJsonl(dir: string, r: MetricResult, snapshot: string | null): string {
  const file = path.join(dir, `metric-${r.metric}.jsonl`);
  const line = {
    results: r.results, metric: r.metric, total_time: r.totalTime, total_time_str: formatTime(r.totalTime),
    num_gpus: 1, num: r.num, snapshot_pkl: snapshot, timestamp: Date.now() / 1000,
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(file, JSON.stringify(line) + '\n');
  return file;
}
