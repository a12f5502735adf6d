/**
 * Images from seeds, as NVIDIA's generate.py: z = RandomState(seed).randn(1, zDim), the
 * truncation trick, noise mode. Browser-safe (no Node imports).
 */
import * as tf from '@tensorflow/tfjs';
import { Generator, type GenerateOptions } from '../networks/generator.js';
import { decodeSnapshot, type Snapshot } from '../io/snapshot.js';
import { seedToZ } from './rng.js';

/** G_ema of a checkpoint as a ready generator. */
export function generatorFromSnapshot(s: Snapshot, source: string): Generator {
  const G = new Generator(s.config);
  try {
    G.store.loadRaw(s.modules.G_ema!, `${source} (G_ema)`);
  } catch (e) {
    G.dispose();
    throw e;
  }
  return G;
}

export function loadGeneratorFromBytes(bytes: Uint8Array, source: string): Generator {
  return generatorFromSnapshot(decodeSnapshot(bytes, source), source);
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

/** Generates one image per seed, `batch` at a time. Default noise mode 'const', as generate.py. */
export async function generateImages(G: Generator, seeds: number[], opts: GenerateOptions & { batch?: number } = {}): Promise<GeneratedImage[]> {
  const out: GeneratedImage[] = [];
  const batch = opts.batch ?? 8;
  const r = G.cfg.imgResolution;
  const size = r * r * G.cfg.imgChannels;
  for (let i = 0; i < seeds.length; i += batch) {
    const chunk = seeds.slice(i, i + batch);
    const img = tf.tidy(() => G.forward(seedsToZ(chunk, G.cfg.zDim), { noiseMode: 'const', ...opts }));
    const data = (await img.data()) as Float32Array;
    img.dispose();
    chunk.forEach((seed, j) => out.push({ seed, data: data.slice(j * size, (j + 1) * size), resolution: r }));
  }
  return out;
}
