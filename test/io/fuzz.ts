/**
 * Mutation fuzzing helpers: seeded mutations of a valid file (bit flips, byte sets, truncations,
 * splices, length-field inflation) and a runner that checks each case only returns or throws
 * a one-line Error naming its source, in bounded time and memory. The budget is seconds per
 * reader in CI (FUZZ_SECONDS, default 3) or an exact count on demand (FUZZ_ITERATIONS).
 */
import { testRandom } from '../helpers.js';

export type Mutator = (src: Uint8Array, rand: () => number) => Uint8Array;

const int = (rand: () => number, n: number): number => Math.floor(rand() * n);

/** Values that make length and count fields absurd, as little-endian u32/u64 candidates. */
const HUGE = [0xffffffff, 0x7fffffff, 0x80000000, 0x40000000, 0x10000000, 0xfffffff0];

export const MUTATORS: Record<string, Mutator> = {
  bitflips(src, rand) {
    const out = src.slice();
    for (let k = 1 + int(rand, 8); k > 0; k--) out[int(rand, out.length)] ^= 1 << int(rand, 8);
    return out;
  },
  bytes(src, rand) {
    const out = src.slice();
    const pick = [0, 0xff, 0x7f, 0x80, 0x2e, 0x0a];
    for (let k = 1 + int(rand, 4); k > 0; k--) out[int(rand, out.length)] = rand() < 0.5 ? pick[int(rand, pick.length)] : int(rand, 256);
    return out;
  },
  truncate(src, rand) {
    // Mostly near the end (where a partial copy stops), sometimes anywhere.
    const at = rand() < 0.5 ? src.length - 1 - int(rand, Math.min(src.length, 4096)) : int(rand, src.length);
    return src.slice(0, Math.max(0, at));
  },
  splice(src, rand) {
    // Copy a chunk of the file over another place, or cut one out, or repeat it.
    const a = int(rand, src.length), len = 1 + int(rand, Math.min(256, src.length - a));
    const chunk = src.slice(a, a + len);
    const at = int(rand, src.length);
    const mode = int(rand, 3);
    if (mode === 0) { const out = src.slice(); out.set(chunk.subarray(0, out.length - at), at); return out; }
    if (mode === 1) return concat(src.subarray(0, a), src.subarray(a + len));
    return concat(src.subarray(0, at), chunk, src.subarray(at));
  },
  inflate(src, rand) {
    // A 4- or 8-byte little-endian length written over a random spot, or over the first bytes
    // (the safetensors header length), or after a pickle length opcode (B, X, T, 0x8d, 0x8e).
    const out = src.slice();
    let at = int(rand, Math.max(1, out.length - 8));
    const r = rand();
    if (r < 0.15) at = 0;
    else if (r < 0.6) {
      const ops = [0x42, 0x58, 0x54, 0x8d, 0x8e, 0x96, 0x72, 0x6a];
      for (let tries = 0; tries < 64; tries++) {
        const p = int(rand, Math.max(1, out.length - 9));
        if (ops.includes(out[p])) { at = p + 1; break; }
      }
    }
    const v = HUGE[int(rand, HUGE.length)];
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    if (at + 4 <= out.length) view.setUint32(at, v, true);
    if (rand() < 0.3 && at + 8 <= out.length) view.setUint32(at + 4, int(rand, 0x10000), true);
    return out;
  },
  digits(src, rand) {
    // Text formats (JSON headers, pickle text opcodes): a decimal number becomes a huge one.
    const out = Array.from(src);
    for (let tries = 0; tries < 64; tries++) {
      const p = int(rand, out.length);
      if (out[p] >= 0x30 && out[p] <= 0x39) {
        const big = [...String(rand() < 0.5 ? 2 ** 53 + 2 : int(rand, 1e9) * 1e6)].map((c) => c.charCodeAt(0));
        out.splice(p, 1, ...big);
        return Uint8Array.from(out);
      }
    }
    return Uint8Array.from(out);
  },
};

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** One mutation, sometimes two stacked, chosen by the seeded generator. */
export function mutate(src: Uint8Array, rand: () => number, names = Object.keys(MUTATORS)): { bytes: Uint8Array; how: string } {
  let bytes = src, how = '';
  for (let k = rand() < 0.2 ? 2 : 1; k > 0; k--) {
    const name = names[int(rand, names.length)];
    bytes = MUTATORS[name](bytes.length ? bytes : src, rand);
    how += (how ? '+' : '') + name;
  }
  return { bytes, how };
}

export interface FuzzReport {
  reader: string;
  iterations: number;
  accepted: number;
  rejected: number;
  slowestMs: number;
  seconds: number;
  rssGrowthMb: number;
}

export interface FuzzTarget {
  reader: string;
  /** The valid inputs to mutate. */
  seeds: Uint8Array[];
  /** Reads one input; `source` must appear in any error it throws. */
  read: (bytes: Uint8Array, source: string) => unknown | Promise<unknown>;
  source: string;
  /** Only these mutators (default all). */
  mutators?: string[];
  /** A case slower than this fails (a hang shows as a timeout of the test itself). */
  maxCaseMs?: number;
}

export const FUZZ_ITERATIONS = process.env.FUZZ_ITERATIONS ? Number(process.env.FUZZ_ITERATIONS) : undefined;
export const FUZZ_SECONDS = Number(process.env.FUZZ_SECONDS ?? 3);
/** Memory one case may leave allocated (array buffers), far below any absurd length claim. */
const MAX_CASE_BUFFERS = 256 * 2 ** 20;

/**
 * Runs mutations until the budget is spent. Every failure names the seed and iteration, so
 * `FUZZ_SEED=... FUZZ_ITERATIONS=...` replays it.
 */
export async function fuzz(t: FuzzTarget, seed = Number(process.env.FUZZ_SEED ?? 1)): Promise<FuzzReport> {
  const rand = testRandom(seed);
  const start = performance.now();
  const rss0 = process.memoryUsage.rss();
  let iterations = 0, accepted = 0, slowest = 0;
  const maxCase = t.maxCaseMs ?? 5000;
  const more = () => (FUZZ_ITERATIONS !== undefined ? iterations < FUZZ_ITERATIONS : performance.now() - start < FUZZ_SECONDS * 1000);
  while (more()) {
    const src = t.seeds[iterations % t.seeds.length];
    const { bytes, how } = mutate(src, rand, t.mutators);
    const where = `${t.reader}: seed ${seed} iteration ${iterations} (${how}, ${bytes.length} bytes)`;
    iterations++;
    const buffers0 = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    let value: unknown;
    try {
      value = await t.read(bytes, t.source);
      accepted++;
    } catch (e) {
      if (!(e instanceof Error)) throw new Error(`${where}: threw a non-Error ${String(e)}`);
      if (e instanceof RangeError && /allocation|Array buffer|Invalid typed array length|Maximum call stack/i.test(e.message)) {
        throw new Error(`${where}: unbounded allocation or recursion: ${e.message}`);
      }
      const msg = e.message;
      if (msg.includes('\n')) throw new Error(`${where}: error spans lines: ${JSON.stringify(msg.slice(0, 300))}`);
      if (!msg.includes(t.source)) throw new Error(`${where}: error does not name ${t.source}: ${msg}`);
      // Bounded, not short: importers list up to 8 names per problem.
      if (msg.length > 2000) throw new Error(`${where}: error is ${msg.length} characters long: ${msg.slice(0, 200)}...`);
    }
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    if (ms > maxCase) throw new Error(`${where}: took ${ms.toFixed(0)} ms`);
    const grew = process.memoryUsage().arrayBuffers - buffers0;
    if (grew > MAX_CASE_BUFFERS) throw new Error(`${where}: left ${(grew / 2 ** 20).toFixed(0)} MiB allocated`);
    value = undefined;
  }
  return {
    reader: t.reader, iterations, accepted, rejected: iterations - accepted, slowestMs: Math.round(slowest),
    seconds: +((performance.now() - start) / 1000).toFixed(1), rssGrowthMb: Math.round((process.memoryUsage.rss() - rss0) / 2 ** 20),
  };
}
