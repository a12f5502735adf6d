/**
 * Wall-clock timing for the benchmarks: a warm-up, then repeats until a time budget is spent.
 * Reports the fastest call as well as the mean: on a shared machine other processes only ever
 * add time, so the best call is the most repeatable estimate of what the code itself costs.
 */

export interface Timing {
  /** Milliseconds of the fastest call (what the tables report). */
  ms: number;
  /** Mean milliseconds per call. */
  meanMs: number;
  iterations: number;
}

/** Calls fn `warmup` times untimed, then at least `minIters` times and until `minMs` have passed. */
export function timeIt(fn: () => void, minMs: number, minIters = 2, warmup = 1): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const t0 = performance.now();
  let n = 0, best = Infinity;
  while (n < minIters || performance.now() - t0 < minMs) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
    n++;
  }
  return { ms: best, meanMs: (performance.now() - t0) / n, iterations: n };
}
