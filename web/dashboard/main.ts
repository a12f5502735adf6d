/** Dashboard page: polls /api/run (only new stats rows each time) and redraws cards and charts. */
import type { ImageEntry, RunState, StatsRow } from '../../src/web/run-folder.js';
import { COLORS, LineChart } from './charts.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const POLL_MS = 2000;

let rows: StatsRow[] = [];
let fakes: ImageEntry[] = [];
let polls = 0;
const charts = {
  loss: new LineChart($('chartLoss'), 'loss'),
  penalty: new LineChart($('chartPenalty')),
  speed: new LineChart($('chartSpeed'), 'img/s'),
  augment: new LineChart($('chartAugment')),
  metrics: null as LineChart | null,
};

/** Enough digits to see tiny test runs move, without noise on long ones. */
function kimgText(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3);
}

function duration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '–';
  if (sec < 60) return `${Math.round(sec)} s`;
  if (sec < 3600) return `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;
  return `${Math.floor(sec / 3600)} h ${Math.round((sec % 3600) / 60)} min`;
}

/** After a resume from an earlier snapshot, the new ticks replace the ones past that point. */
function effectiveRows(all: StatsRow[]): StatsRow[] {
  const out: StatsRow[] = [];
  for (const r of all) {
    while (out.length && out[out.length - 1].kimg >= r.kimg) out.pop();
    out.push(r);
  }
  return out;
}

function column(rs: StatsRow[], key: string): Array<number | null> {
  return rs.map((r) => (typeof r[key] === 'number' ? r[key] : null));
}

function drawStats(s: RunState, rs: StatsRow[]): void {
  const xs = rs.map((r) => r.kimg);
  charts.loss.update(xs, [{ label: 'G', color: COLORS[0] }, { label: 'D', color: COLORS[1] }], [column(rs, 'lossG'), column(rs, 'lossD')]);
  const training = (s.config?.training ?? {}) as { loss?: string };
  const penaltyName = training.loss === 'wgan-gp' ? 'GP' : 'R1';
  $('penaltyTitle').textContent = `Regularisation (${penaltyName}${rs.some((r) => Object.keys(r).some((k) => /^pl/i.test(k))) ? ', path length' : ''})`;
  // Any path-length statistics (StyleGAN2's PL) the trainer logs join the penalty chart.
  const plKeys = [...new Set(rs.flatMap((r) => Object.keys(r).filter((k) => /^pl/i.test(k))))];
  charts.penalty.update(xs,
    [{ label: penaltyName, color: COLORS[2] }, ...plKeys.map((k, i) => ({ label: k, color: COLORS[3 + i] }))],
    [column(rs, 'penalty'), ...plKeys.map((k) => column(rs, k))]);
  charts.speed.update(xs, [{ label: 'img/s', color: COLORS[4] }], [column(rs, 'imgPerSec')]);
  // ADA: the strength p and r_t = E[sign(D(real))] (the target is usually 0.6).
  charts.augment.update(xs, [{ label: 'p', color: COLORS[5] }, { label: 'r_t', color: COLORS[6] }], [column(rs, 'augmentP'), column(rs, 'rt')]);
}

function drawMetrics(s: RunState): void {
  const names = Object.keys(s.metrics).sort();
  if (!names.length) return;
  charts.metrics ??= new LineChart($('chartMetrics'));
  // Points without a kimg are placed by their order.
  const xOf = (p: { kimg: number | null }, i: number) => p.kimg ?? i;
  const xs = [...new Set(names.flatMap((n) => s.metrics[n].map(xOf)))].sort((a, b) => a - b);
  const ys = names.map((n) => {
    const byX = new Map(s.metrics[n].map((p, i) => [xOf(p, i), p.value]));
    return xs.map((x) => byX.get(x) ?? null);
  });
  charts.metrics.update(xs, names.map((n, i) => ({ label: n, color: COLORS[i % COLORS.length] })), ys);
}

/** Duration of the last tick, from the rows' own clock. */
function tickSeconds(rs: StatsRow[]): number {
  const last = rs[rs.length - 1];
  const prevKimg = rs.length > 1 ? rs[rs.length - 2].kimg : 0;
  return (last.secPerKimg ?? 0) * Math.max(0, last.kimg - prevKimg);
}

function drawKpis(s: RunState, rs: StatsRow[]): void {
  const last = rs[rs.length - 1];
  const total = s.totalKimg;
  const lastLog = s.logTail[s.logTail.length - 1] ?? '';
  const age = s.updated === null ? null : (s.now - s.updated) / 1000;
  // trainSec: training time over all sessions (what train --minutes counts); older runs lack it.
  const budgetSec = s.totalMinutes === null ? null : s.totalMinutes * 60;
  const trained = last?.trainSec ?? last?.totalSec ?? 0;
  const finished = !!last && ((total !== null && last.kimg >= total - 1e-6) || (budgetSec !== null && trained >= budgetSec));
  let status: string;
  let run: 'missing' | 'waiting' | 'finished' | 'stopped' | 'stalled' | 'running';
  if (!s.exists) [run, status] = ['missing', 'Run folder missing'];
  else if (!last) [run, status] = ['waiting', 'Waiting for the first tick…'];
  else if (finished) [run, status] = ['finished', 'Finished'];
  else if (/^Stopped at/.test(lastLog)) [run, status] = ['stopped', 'Stopped (resume with --resume latest)'];
  // Ticks take about the same time; one well overdue means the trainer stopped or hung.
  else if (age !== null && age > Math.max(180, 2 * tickSeconds(rs))) [run, status] = ['stalled', `No new tick for ${duration(age)}`];
  else [run, status] = ['running', 'Training'];
  $('status').textContent = status;
  $('status').dataset.state = 'ready';
  $('status').dataset.run = run;
  if (!last) return;
  $('kimg').textContent = `${kimgText(last.kimg)}${total !== null ? ` / ${total}` : ''}${budgetSec !== null ? ` (${s.totalMinutes} min budget)` : ''}`;
  $('res').textContent = `${last.res}²${last.alpha < 1 ? ` · fade ${(last.alpha * 100).toFixed(0)}%` : ''}`;
  $('speed').textContent = last.imgPerSec.toFixed(1);
  $('secPerKimg').textContent = last.secPerKimg.toFixed(1);
  $('elapsed').textContent = duration(trained);
  const etas = [total !== null ? (total - last.kimg) * last.secPerKimg : Infinity, budgetSec !== null ? budgetSec - trained : Infinity];
  const eta = Math.max(0, Math.min(...etas));
  $('eta').textContent = finished ? 'done' : !Number.isFinite(eta) || run !== 'running' ? '–' : duration(eta);
  $('updated').textContent = age === null ? '–' : `${duration(age)} ago`;
  const done = Math.max(total ? last.kimg / total : 0, budgetSec ? trained / budgetSec : 0);
  $('progress').style.width = `${Math.min(100, 100 * done).toFixed(1)}%`;
}

const scrub = $<HTMLInputElement>('scrub');
const follow = $<HTMLInputElement>('follow');

function showFake(i: number): void {
  const f = fakes[i];
  if (!f) return;
  const img = $<HTMLImageElement>('fakes');
  const src = `/run/${encodeURIComponent(f.file)}?v=${f.mtime}`;
  if (img.getAttribute('src') !== src) img.src = src;
  $('fakesLabel').textContent = `${f.file.includes('init') ? 'at start' : `at ${f.kimg} kimg`} · ${i + 1} of ${fakes.length}`;
  img.dataset.file = f.file;
}

function drawImages(s: RunState): void {
  fakes = s.fakes;
  scrub.max = String(Math.max(0, fakes.length - 1));
  scrub.disabled = fakes.length < 2;
  if (follow.checked) scrub.value = scrub.max;
  showFake(Number(scrub.value));
  if (s.reals) {
    const src = `/run/${encodeURIComponent(s.reals.file)}?v=${s.reals.mtime}`;
    const img = $<HTMLImageElement>('reals');
    if (img.getAttribute('src') !== src) img.src = src;
  }
}

scrub.addEventListener('input', () => {
  follow.checked = scrub.value === scrub.max;
  showFake(Number(scrub.value));
});
follow.addEventListener('change', () => {
  if (follow.checked) {
    scrub.value = scrub.max;
    showFake(Number(scrub.value));
  }
});

async function poll(): Promise<void> {
  const res = await fetch(`/api/run?since=${rows.length}`);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  let s = (await res.json()) as RunState;
  // stats.jsonl shrank (a new run in the same folder): start over.
  if (s.statsTotal < rows.length) {
    rows = [];
    s = (await (await fetch('/api/run?since=0')).json()) as RunState;
  }
  rows.push(...s.stats);
  const rs = effectiveRows(rows);
  document.title = `${s.name} · StyleGAN run`;
  $('title').textContent = `Run ${s.name}`;
  $('dir').textContent = s.dir;
  drawKpis(s, rs);
  if (s.stats.length || polls === 0) drawStats(s, rs);
  drawMetrics(s);
  drawImages(s);
  $('config').textContent = s.config ? JSON.stringify(s.config, null, 2) : 'no config.json yet';
  const log = $('log');
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  log.textContent = s.logTail.join('\n') || 'no log.txt yet';
  if (atBottom) log.scrollTop = log.scrollHeight;
  polls++;
  document.body.dataset.polls = String(polls);
}

async function loop(): Promise<void> {
  try {
    await poll();
  } catch (e) {
    // The server went away (training ended with --dashboard) or a hiccup: keep the last view.
    $('status').textContent = `Not updating: ${(e as Error).message}`;
  }
  setTimeout(loop, POLL_MS);
}

void loop();
