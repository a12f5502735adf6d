/** The fastest of repeated calls of `run` (after one warm-up): at least 3 calls and `seconds` of them. */
export async function bestTime(run: () => Promise<void>, seconds: number): Promise<{ bestMs: number; iterations: number }> {
  await run();
  let best = Infinity, n = 0;
  const t0 = performance.now();
  while (n < 3 || performance.now() - t0 < seconds * 1000) {
    const t = performance.now();
    await run();
    best = Math.min(best, performance.now() - t);
    n++;
  }
  return { bestMs: best, iterations: n };
}
