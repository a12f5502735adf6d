/**
 * The StyleGAN paper's linear separability, as NVIDIA's stylegan metrics/linear_separability.py:
 * per attribute, keep the half of the samples the classifier is most confident about, fit a
 * linear SVM on the latents (z, and w of the last layer) to predict the classifier's labels,
 * and measure the conditional entropy H(Y|X) of the labels Y given the SVM's predictions X.
 * The score is 2^(sum of H in bits) = exp(sum of H in nats), per latent space.
 */
import { fitLinearSvm, predictLinearSvm } from './linear-svm.js';

/**
 * H(Y|X) in bits of a 2-D joint table p[x][y] (unnormalized), as the reference:
 * max(0, H(Y) - I(X;Y)), computed in float32 inputs then float64 sums like numpy there.
 */
export function conditionalEntropy(p: number[][]): number {
  const flat = p.flat().map((v) => Math.fround(v));
  const total = flat.reduce((a, v) => a + v, 0);
  const rows = p.length, cols = p[0].length;
  const q = (x: number, y: number) => flat[x * cols + y] / total;
  const px = Array.from({ length: rows }, (_, x) => Array.from({ length: cols }, (_, y) => q(x, y)).reduce((a, v) => a + v, 0));
  const py = Array.from({ length: cols }, (_, y) => Array.from({ length: rows }, (_, x) => q(x, y)).reduce((a, v) => a + v, 0));
  let hy = 0;
  for (const v of py) if (v > 0) hy -= v * Math.log2(v);
  let mi = 0;
  for (let x = 0; x < rows; x++) {
    for (let y = 0; y < cols; y++) {
      const v = q(x, y);
      if (v > 0) mi += v * Math.log2(v / (px[x] * py[y]));
    }
  }
  // The difference can slip just below 0 through rounding; the reference clamps it too.
  return Math.max(0, hy - mi);
}

/** Joint table of (prediction, target) frequencies, rows = prediction, as the reference's p. */
export function jointTable(pred: ArrayLike<number>, target: ArrayLike<number>): number[][] {
  const p = [[0, 0], [0, 0]];
  for (let i = 0; i < pred.length; i++) p[pred[i]][target[i]]++;
  return p.map((r) => r.map((v) => v / pred.length));
}

/**
 * Indices of the `keep` samples with the highest classifier confidence max(p, 1-p), where
 * p = softmax([l, -l])[0] = sigmoid(2 l) for logit l. Ties keep the lower index first
 * (Python's sorted is stable).
 */
export function mostConfident(logits: Float32Array, keep: number): number[] {
  const conf = Array.from(logits, (l) => Math.fround(1 / (1 + Math.exp(-2 * Math.abs(l)))));
  const idx = Array.from(logits, (_, i) => i);
  idx.sort((a, b) => conf[b] - conf[a] || a - b);
  return idx.slice(0, keep);
}

/**
 * H(Y|X) of one attribute in one latent space. `latents`: n rows of d; `logits`: the
 * classifier's output per sample. Target 0 where the logit is positive (argmax of
 * softmax([l, -l])), as the reference.
 */
export function attributeEntropy(latents: Float32Array, n: number, d: number, logits: Float32Array, keep: number, seed = 1): number {
  const kept = mostConfident(logits, keep);
  const x = new Float32Array(kept.length * d);
  kept.forEach((i, r) => x.set(latents.subarray(i * d, (i + 1) * d), r * d));
  const targets = Uint8Array.from(kept, (i) => (logits[i] > 0 ? 0 : 1));
  // sklearn raises on a single class; the reference then assumes perfect prediction.
  const oneClass = targets.every((t) => t === targets[0]);
  const pred = oneClass ? targets : predictLinearSvm(fitLinearSvm(x, kept.length, d, targets, { seed }), x, kept.length, d);
  return conditionalEntropy(jointTable(pred, targets));
}

export interface LinearSeparabilityResult {
  /** 2^(sum of per-attribute H(Y|X) in bits), for z and w. */
  ls_z: number;
  ls_w: number;
  /** Per attribute, in the order given. */
  entropies: { z: number[]; w: number[] };
}

/**
 * Scores from collected samples: z [n, zDim], w [n, wDim] (w of the last layer), and one
 * logit array of length n per attribute classifier. `keep` defaults to half, as NVIDIA's
 * ls configuration (num_samples 200000, num_keep 100000).
 */
export function linearSeparability(z: Float32Array, zDim: number, w: Float32Array, wDim: number, logits: Float32Array[], keep?: number): LinearSeparabilityResult {
  const n = z.length / zDim;
  const k = keep ?? Math.floor(n / 2);
  const ez = logits.map((l) => attributeEntropy(z, n, zDim, l, k));
  const ew = logits.map((l) => attributeEntropy(w, n, wDim, l, k));
  const score = (h: number[]) => 2 ** h.reduce((a, v) => a + v, 0);
  return { ls_z: score(ez), ls_w: score(ew), entropies: { z: ez, w: ew } };
}
