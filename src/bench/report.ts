/** The benchmark's result as plain-text tables. */
import path from 'node:path';
import type { BenchResult } from './run.js';
import type { StartupBench, StartupRun } from './startup.js';

function table(head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 || c === r.length - 1 && isNaN(Number(v)) ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const f = (v: number, d = 1) => v.toFixed(d);
const pct = (v: number | null) => (v === null ? 'n/a' : `${f(v, 0)}%`);
const cell = (c: { gflops: number; percentOfPeak: number | null } | undefined) =>
  (c ? `${f(c.gflops)}${c.percentOfPeak === null ? '' : ` (${pct(c.percentOfPeak)})`}` : 'n/a');

export function formatBench(r: BenchResult): string {
  const out: string[] = [];
  out.push(`${r.machine.cpu}, ${r.machine.cores} threads, Node ${r.machine.node}${r.quick ? ' (quick: tiny sizes, numbers meaningless)' : ''}`);
  if (r.backends.length === 0) return out.join('\n'); // the startup section only
  out.push(r.sgemm ? `sgemm peak (OpenBLAS ${r.sgemm.core} kernels, ${r.sgemm.n}^3, all threads): ${f(r.sgemm.gflops)} GFLOP/s` : 'sgemm peak: n/a (native addon not built)');
  if (r.nativeMissing) out.push(`native backend unavailable: ${r.nativeMissing}`);
  const has = (k: 'generation' | 'training' | 'conv' | 'filteredLrelu') => r.backends.some((b) => b[k]?.length > 0);
  if (has('generation')) out.push('', 'Generation (noise const, fp32): images/s (fastest batch)', table(['backend', 'arch', 'preset', 'px', 'batch', 'ms/batch', 'img/s'],
    r.backends.flatMap((b) => b.generation.map((g) => [b.backend, g.arch, g.preset, g.resolution, g.batch, f(g.msPerBatch), f(g.imagesPerSec, 2)]))));
  if (has('training')) out.push('', 'Training: images/s', table(['backend', 'arch', 'preset', 'px', 'batch', 'ms/step', 'img/s', 'step'],
    r.backends.flatMap((b) => b.training.map((t) => [b.backend, t.arch, t.preset, t.resolution, t.batch, f(t.msPerStep, 0), f(t.imagesPerSec, 2), t.step]))));
  if (has('filteredLrelu')) out.push('', 'StyleGAN3 filtered_lrelu: ms per call (fastest), fused kernel vs composite ops on the same backend; grad = forward + dx + db',
    table(['backend', 'layer', 'x', 'y', 'up/down', 'filters', 'fused ms', 'composite ms', 'speed-up', 'fused grad ms', 'composite grad ms', 'speed-up'],
      r.backends.flatMap((b) => (b.filteredLrelu ?? []).map((l) => [b.backend, l.layer, l.x.join('x'), l.y.join('x'), `${l.up}/${l.down}`, l.filters,
        f(l.fusedMs, 2), f(l.compositeMs, 2), f(l.compositeMs / l.fusedMs), f(l.fusedGradMs, 2), f(l.compositeGradMs, 2), f(l.compositeGradMs / l.fusedGradMs)]))));
  if (!has('conv')) return out.join('\n');
  out.push('', 'Conv kernels on the networks\' 3x3 shapes, all shapes together: GFLOP/s (% of the sgemm speed timed interleaved',
    'with each kernel; the machine\'s speed drifts, so each kernel is compared with the sgemm of its own time window)');
  out.push(table(['backend', 'Conv2D', 'BackpropInput', 'BackpropFilter'],
    r.backends.map((b) => [b.backend, ...b.convSummary.map((s) => `${f(s.gflops)} (${pct(s.percentOfPeak)})`)])));
  out.push('', 'Per shape: GFLOP/s (% of the sgemm interleaved with it)');
  const shapes = r.backends[0]?.conv.filter((c) => c.kernel === 'Conv2D') ?? [];
  out.push(table(['shape', 'x', 'ci->co', ...r.backends.flatMap((b) => [`${b.backend} fwd`, 'bwd-in', 'bwd-w'])],
    shapes.map((s) => [s.where, s.x.join('x'), `${s.filter[2]}->${s.filter[3]}`,
      ...r.backends.flatMap((b) => ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'].map((k) =>
        cell(b.conv.find((c) => c.kernel === k && c.x.join() === s.x.join() && c.filter.join() === s.filter.join()))))])));
  return out.join('\n');
}

const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
/** `median (min-max)` in seconds. */
const spread = (v: number[]) => (v.length ? `${f(median(v), 2)} (${f(Math.min(...v), 2)}-${f(Math.max(...v), 2)})` : 'n/a');

/** The startup section: per process, seconds since its start (median, min-max over the rounds). */
export function formatStartup(s: StartupBench): string {
  const out = [`Start-up: whole-process generate, ${s.seeds} seeds of ${path.basename(s.network)}, ${s.ours.length} rounds interleaved`,
    `(seconds, median (min-max); ours = ${s.entry === 'dist' ? 'the compiled CLI (dist/)' : 'the sources through tsx: npm run build to time the package'})`];
  const rows: Array<Array<string | number>> = [];
  const row = (who: string, runs: StartupRun[], names: Record<string, string>) => {
    const mark = (k: string, what: 'wall' | 'cpu') => runs.map((r) => r.marks[k]?.[what]).filter((x): x is number => x !== undefined);
    rows.push([who, spread(runs.map((r) => r.wall)), spread(mark(names.all, 'cpu')), spread(mark(names.modules, 'wall')), spread(mark(names.network, 'wall')), spread(mark(names.first, 'wall'))]);
  };
  row('stylegan', s.ours, { modules: 'modules', network: 'network', first: 'first', all: 'all' });
  if (s.reference) row('reference', s.reference.runs, { modules: 'imports', network: 'load', first: 'first', all: 'all' });
  out.push(table(['', 'process (wall)', 'CPU', 'imports done', 'network loaded', 'first image'], rows));
  if (s.reference) {
    const ratios = s.ours.map((r, i) => s.reference!.runs[i].wall / r.wall);
    out.push(`reference / ours, whole process, per round: ${spread(ratios).replace(/\)$/, ')x').replace(' (', 'x (')}`);
    out.push(`reference: ${s.reference.command}`);
  }
  return out.join('\n');
}
