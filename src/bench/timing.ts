/** Wall-clock timing for the benchmarks: a warm-up, then repeats until a time budget is spent. */

export interface Timing {
  /** Mean milliseconds per call. */
  ms: number;
  iterations: number;
}

/** Calls fn `warmup` times untimed, then at least `minIters` times and until `minMs` have passed. */
export function timeIt(fn: () => void, minMs: number, minIters = 2, warmup = 1): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const t0 = performance.now();
  let n = 0;
  while (n < minIters || performance.now() - t0 < minMs) {
    fn();
    n++;
  }
  return { ms: (performance.now() - t0) / n, iterations: n };
}
