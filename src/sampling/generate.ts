/**
 * Images from seeds, as NVIDIA's generate.py: z = RandomState(seed).randn(1, zDim), the
 * truncation trick, noise mode. Browser-safe (no Node imports).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from '../networks/stylegan/generator.js';
import type { GeneratorForwardOptions, GeneratorLike } from '../networks/generator-api.js';
import type { NetworkConfig } from '../networks/config.js';
import type { StyleGANConfig } from '../networks/stylegan/config.js';
import { skipInit, type RawTensor } from '../networks/params.js';
import { StyleGAN2Generator } from '../networks/stylegan2/generator.js';
import { StyleGAN3Generator } from '../networks/stylegan3/generator.js';
import { StyleGANXLGenerator } from '../networks/stylegan-xl/generator.js';
import { BaselineGenerator } from '../networks/baselines/generator.js';
import { isBaselineArch, type BaselineConfig } from '../networks/baselines/config.js';
import { decodeNetworkSnapshot, decodeSnapshot, type Snapshot } from '../io/snapshot.js';
import { seedToZ } from './rng.js';

/** G_ema of a checkpoint as a ready generator. */
export function generatorFromSnapshot(s: Snapshot, source: string): Generator {
  return loadInto(new Generator(s.config, skipInit), s.modules.G_ema!, `${source} (G_ema)`);
}

/** Loads `params` into a fresh network, disposing it again if they do not fit. */
function loadInto<N extends { store: { loadRaw(p: Record<string, RawTensor>, source: string): void }; dispose(): void }>(
  net: N, params: Record<string, RawTensor>, source: string): N {
  try {
    net.store.loadRaw(params, source);
  } catch (e) {
    net.dispose();
    throw e;
  }
  return net;
}

export function loadGeneratorFromBytes(bytes: Uint8Array, source: string): Generator {
  return generatorFromSnapshot(decodeSnapshot(bytes, source), source);
}

/** A generator of the config's arch with `params` loaded (disposed again if they do not fit). */
export function buildGenerator(config: NetworkConfig, params: Record<string, RawTensor>, source: string): GeneratorLike {
  if (isBaselineArch(config.arch)) return loadInto(new BaselineGenerator(config as BaselineConfig), params, source);
  if (config.arch === 'stylegan3') return loadInto(new StyleGAN3Generator(config), params, source);
  if (config.arch === 'stylegan-xl') return loadInto(new StyleGANXLGenerator(config), params, source);
  return config.arch === 'stylegan2' ? loadInto(new StyleGAN2Generator(config, skipInit), params, source) : loadInto(new Generator(config as StyleGANConfig, skipInit), params, source);
}

/** G_ema of a checkpoint of any arch from its bytes (browser-safe). */
export function loadAnyGeneratorFromBytes(bytes: Uint8Array, source: string): GeneratorLike {
  return networkFromSnapshot(decodeNetworkSnapshot(bytes, source), source);
}

/** G_ema of a checkpoint of any arch ('stylegan', 'stylegan2', 'stylegan3', 'stylegan-xl') as a ready generator. */
export function networkFromSnapshot(s: Snapshot<NetworkConfig>, source: string): GeneratorLike {
  if (!s.modules.G_ema) throw new Error(`${source}: checkpoint has no G_ema tensors`);
  return buildGenerator(s.config, s.modules.G_ema, `${source} (G_ema)`);
}

/** z [N, zDim] for seeds, exactly NumPy's RandomState(seed).randn(1, zDim) per row. */
export function seedsToZ(seeds: number[], zDim: number): tf.Tensor2D {
  const z = new Float32Array(seeds.length * zDim);
  seeds.forEach((s, i) => z.set(seedToZ(s, zDim), i * zDim));
  return tf.tensor2d(z, [seeds.length, zDim]);
}

export interface GeneratedImage {
  seed: number;
  /** [R, R, C] floats in about [-1, 1]. */
  data: Float32Array;
  resolution: number;
}

/** One-hot labels [n, cDim] for class `classIdx`, as generate.py's `--class`; undefined when unconditional. */
export function classLabels(G: GeneratorLike, n: number, classIdx?: number): tf.Tensor2D | undefined {
  const cDim = G.cfg.cDim ?? 0;
  if (cDim === 0) return undefined;
  if (classIdx === undefined) throw new Error(`this is a conditional network with ${cDim} classes: give a class index (--class)`);
  if (!Number.isInteger(classIdx) || classIdx < 0 || classIdx >= cDim) throw new Error(`class ${classIdx} is out of range [0, ${cDim})`);
  // tidy: the fill and oneHot intermediates leaked two tensors per call (per generated batch).
  return tf.tidy(() => tf.cast(tf.oneHot(tf.fill([n], classIdx, 'int32') as tf.Tensor1D, cDim), 'float32') as tf.Tensor2D);
}

/** Generates one image per seed, `batch` at a time. Default noise mode 'const', as generate.py. */
export async function generateImages(G: GeneratorLike, seeds: number[], opts: GeneratorForwardOptions & { batch?: number; classIdx?: number } = {}): Promise<GeneratedImage[]> {
  const out: GeneratedImage[] = [];
  const batch = opts.batch ?? 8;
  const r = G.cfg.imgResolution;
  const size = r * r * G.cfg.imgChannels;
  classLabels(G, 1, opts.classIdx)?.dispose(); // a conditional network without a class fails before any work
  for (let i = 0; i < seeds.length; i += batch) {
    const chunk = seeds.slice(i, i + batch);
    const img = tf.tidy(() => G.forward(seedsToZ(chunk, G.cfg.zDim), { noiseMode: 'const', ...opts, c: opts.c ?? classLabels(G, chunk.length, opts.classIdx) }));
    const data = (await img.data()) as Float32Array;
    img.dispose();
    chunk.forEach((seed, j) => out.push({ seed, data: data.slice(j * size, (j + 1) * size), resolution: r }));
  }
  return out;
}
