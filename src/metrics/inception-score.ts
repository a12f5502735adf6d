/**
 * Inception Score (Salimans et al. 2016) as NVIDIA's metrics/inception_score.py: softmax of
 * the 1008 logits (without the output bias), exp(mean KL(p(y|x) || p(y))) over 10 splits;
 * mean and standard deviation over the splits.
 */

export function inceptionScore(logits: Float32Array, numClasses: number, numSplits = 10): { mean: number; std: number } {
  const n = logits.length / numClasses;
  if (n < numSplits) throw new Error(`Inception Score needs at least ${numSplits} images, got ${n}`);
  const probs = new Float64Array(logits.length);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < numClasses; k++) max = Math.max(max, logits[i * numClasses + k]);
    let sum = 0;
    for (let k = 0; k < numClasses; k++) sum += (probs[i * numClasses + k] = Math.exp(logits[i * numClasses + k] - max));
    for (let k = 0; k < numClasses; k++) probs[i * numClasses + k] /= sum;
  }
  const scores: number[] = [];
  for (let s = 0; s < numSplits; s++) {
    const a = Math.floor((s * n) / numSplits), b = Math.floor(((s + 1) * n) / numSplits);
    const marginal = new Float64Array(numClasses);
    for (let i = a; i < b; i++) for (let k = 0; k < numClasses; k++) marginal[k] += probs[i * numClasses + k] / (b - a);
    let kl = 0;
    for (let i = a; i < b; i++) {
      for (let k = 0; k < numClasses; k++) {
        const p = probs[i * numClasses + k];
        if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[k]));
      }
    }
    scores.push(Math.exp(kl / (b - a)));
  }
  const mean = scores.reduce((x, y) => x + y, 0) / numSplits;
  const std = Math.sqrt(scores.reduce((x, y) => x + (y - mean) ** 2, 0) / numSplits);
  return { mean, std };
}
