/** `stylegan bench`: the benchmark table (and JSON) for every available backend. */
import fs from 'node:fs';
import { parseFlags, parseNumber, UsageError } from './args.js';
import { NODE_BACKENDS, type BackendName } from '../backend/node.js';
import { runBench, BENCH_SECTIONS, type BenchSection } from '../bench/run.js';
import { formatBench, formatStartup } from '../bench/report.js';
import { benchStartup } from '../bench/startup.js';

export const BENCH_HELP = `Usage: stylegan bench [options]

For each available backend: generator images/s (32 and 64 px presets, batch 1 and 8, noise
const; StyleGAN3-T and -R of the stylegan3-*-cpu cfgs at 32 px), training images/s (the cpu32 and
cpu64 presets at the default batch; StyleGAN3-T/-R at 32 px, batch 16), and the conv
kernels' GFLOP/s on the networks' own shapes against the machine's sgemm peak (OpenBLAS on all
cores, measured in the same run), and StyleGAN3's filtered_lrelu on StyleGAN3-T/R layer shapes
(the fused kernel against the composite ops, where the backend has the kernel). Start-up: whole-process
\`stylegan generate\` of 32 seeds, each round a fresh process, interleaved with --reference when
given. Takes a few minutes; run it on an otherwise idle machine.

  --backends LIST        comma-separated: ${NODE_BACKENDS.join(', ')} (default: all available but cpu,
                         the reference JS backend, which is 10-100x slower)
  --only LIST            comma-separated sections: ${BENCH_SECTIONS.join(', ')} (default: all)
  --json FILE            also write the results as JSON
  --network FILE         startup: the network to generate from (default: a random 64 px
                         StyleGAN2 of the cpu64 shape, written for the run)
  --reference CMD        startup: a shell command timed after each of our rounds, e.g. NVIDIA's
                         generate.py logic on the same pickle: python3 bench/nvidia_generate.py
                         REPO FILE --seeds 0-31 --outdir /tmp/ref
  --rounds N             startup: processes of each (default 5)
  --quick                tiny sizes and budgets, to check that it runs (a few seconds)

Example:
  stylegan bench --json bench.json
  stylegan bench --only startup --network net.pkl --rounds 10 --reference 'python3 bench/nvidia_generate.py ../stylegan2-ada-pytorch net.pkl --seeds 0-31 --outdir /tmp/ref'`;

export async function benchCommand(argv: string[]): Promise<void> {
  const { values: v } = parseFlags(argv, {
    backends: { type: 'string' }, only: { type: 'string' }, json: { type: 'string' }, quick: { type: 'boolean' },
    network: { type: 'string' }, reference: { type: 'string' }, rounds: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, 'bench');
  if (v.help) return void console.log(BENCH_HELP);
  let backends: BackendName[] | undefined;
  if (v.backends !== undefined) {
    backends = v.backends.split(',').map((s) => s.trim()).filter(Boolean) as BackendName[];
    const bad = backends.find((b) => !(NODE_BACKENDS as readonly string[]).includes(b));
    if (bad || backends.length === 0) throw new UsageError(`--backends: '${bad ?? v.backends}' is not one of ${NODE_BACKENDS.join(', ')}`);
  }
  let only: BenchSection[] | undefined;
  if (v.only !== undefined) {
    only = v.only.split(',').map((s) => s.trim()).filter(Boolean) as BenchSection[];
    const bad = only.find((s) => !(BENCH_SECTIONS as readonly string[]).includes(s));
    if (bad || only.length === 0) throw new UsageError(`--only: '${bad ?? v.only}' is not one of ${BENCH_SECTIONS.join(', ')}`);
  }
  const rounds = v.rounds === undefined ? undefined : parseNumber(v.rounds, 'rounds', { int: true, min: 1, max: 1000 });
  if (v.network !== undefined && !fs.existsSync(v.network)) throw new UsageError(`--network: file not found: ${v.network}`);
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const kernels = only?.filter((s) => s !== 'startup');
  const result = await runBench({ backends, only: kernels, quick: v.quick, log, skipAll: kernels?.length === 0 });
  if (!only || only.includes('startup')) result.startup = await benchStartup({ network: v.network, reference: v.reference, rounds, quick: v.quick, log });
  console.log(formatBench(result));
  if (result.startup) console.log(`\n${formatStartup(result.startup)}`);
  if (v.json) {
    fs.writeFileSync(v.json, JSON.stringify(result, null, 2) + '\n');
    console.log(`\nWrote ${v.json}`);
  }
}
