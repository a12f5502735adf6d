/**
 * Sampling loop of the ls metric, as NVIDIA's LS._evaluate: z ~ N(0, I), w of the last
 * layer (mapping output, no truncation), images with random noise, each image scored by
 * every attribute classifier; then the SVM / entropy part in linear-separability.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorLike } from '../networks/generator-api.js';
import { RandomState } from '../sampling/rng.js';
import { type AttributeClassifier, loadClassifier, toClassifierResolution } from './classifiers.js';
import { linearSeparability, type LinearSeparabilityResult } from './linear-separability.js';

export interface LsOptions {
  num: number;
  /** Kept samples per attribute (default num / 2, as NVIDIA's 200k / 100k). */
  keep?: number;
  seed?: number;
  batch?: number;
  log?: (line: string) => void;
}

/**
 * The reference runs its classifiers on minibatches of 4 (minibatch_per_gpu), so the
 * minibatch-stddev groups are 4 consecutive images; we classify in chunks of the group size.
 */
function classify(c: AttributeClassifier, img: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const x = toClassifierResolution(img, c.resolution);
    const g = c.D.cfg.mbstdGroupSize;
    const parts: tf.Tensor2D[] = [];
    for (let i = 0; i < x.shape[0]; i += g) parts.push(c.D.forward(tf.slice(x, [i], [Math.min(g, x.shape[0] - i)])));
    return tf.reshape(tf.concat(parts), [-1]) as tf.Tensor1D;
  });
}

/** Collects z, w[:, -1] and one logit per classifier for `num` samples. */
export async function sampleForLs(G: GeneratorLike, classifiers: AttributeClassifier[], o: LsOptions): Promise<{ z: Float32Array; w: Float32Array; logits: Float32Array[] }> {
  const { zDim, wDim } = G.cfg;
  const rng = new RandomState(o.seed ?? 0);
  const batch = o.batch ?? 8;
  const z = new Float32Array(o.num * zDim), w = new Float32Array(o.num * wDim);
  const logits = classifiers.map(() => new Float32Array(o.num));
  let lastLog = Date.now();
  for (let done = 0; done < o.num; done += batch) {
    const b = Math.min(batch, o.num - done);
    const zb = Float32Array.from(rng.randn(b, zDim));
    z.set(zb, done * zDim);
    const ws = tf.tidy(() => G.mappingForward(tf.tensor2d(zb, [b, zDim])));
    // Random noise as the reference, but seeded from our RandomState so that a seed repeats a run.
    const noiseSeed = rng.nextUint32() >>> 1;
    const img = tf.tidy(() => G.synthesis.forward(ws, { noiseMode: 'random', noiseSeed }));
    const wLast = tf.tidy(() => tf.reshape(tf.slice(ws, [0, G.numWs - 1, 0], [b, 1, wDim]), [b, wDim]));
    w.set((await wLast.data()) as Float32Array, done * wDim);
    for (let k = 0; k < classifiers.length; k++) {
      const l = classify(classifiers[k], img);
      logits[k].set((await l.data()) as Float32Array, done);
      l.dispose();
    }
    tf.dispose([ws, img, wLast]);
    if (o.log && Date.now() - lastLog > 10000) {
      o.log(`ls: ${done + b}/${o.num} samples classified`);
      lastLog = Date.now();
    }
  }
  return { z, w, logits };
}

/** The metric: results ls_z and ls_w (NVIDIA's ls_z / ls_w suffixes). */
export async function computeLinearSeparability(G: GeneratorLike, files: string[], o: LsOptions): Promise<LinearSeparabilityResult> {
  o.log?.(`ls: loading ${files.length} attribute classifiers...`);
  const classifiers: AttributeClassifier[] = [];
  try {
    for (const f of files) classifiers.push(loadClassifier(f));
    const s = await sampleForLs(G, classifiers, o);
    o.log?.(`ls: fitting ${2 * files.length} linear SVMs...`);
    return linearSeparability(s.z, G.cfg.zDim, s.w, G.cfg.wDim, s.logits, o.keep);
  } finally {
    for (const c of classifiers) c.dispose();
  }
}
