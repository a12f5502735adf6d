/**
 * ADA's three curves of one or more runs as one PNG (an SVG drawn by sharp), for the README:
 *   node --import tsx scripts/plot-ada.ts OUT.png [--kimg MAX] DIR[=label] ...
 * Panels over kimg: the training monitor's SWD (metric-swd.jsonl, placed at the kimg of the tick
 * written before it), r_t = E[sign(D(real))] per tick and ADA's p at each tick (stats.jsonl).
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const args = process.argv.slice(2);
const out = args.shift();
let maxKimg = Infinity;
if (args[0] === '--kimg') {
  args.shift();
  maxKimg = Number(args.shift());
}
if (!out || !args.length || !(maxKimg > 0)) {
  console.error('usage: plot-ada.ts OUT.png [--kimg MAX] DIR[=label] ...');
  process.exit(2);
}
const jsonl = <T>(f: string): T[] => fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as T) : [];
type Stat = { kimg: number; rt: number | null; augmentP: number; timestamp: number };
type Pt = [number, number];

const series = args.map((a) => {
  const [dir, label] = a.split('=');
  const all = jsonl<Stat>(path.join(dir, 'stats.jsonl')), stats = all.filter((s) => s.kimg <= maxKimg + 1e-9);
  const swdLines = jsonl<{ results: { swd: number }; timestamp: number; num: number }>(path.join(dir, 'metric-swd.jsonl'));
  const swd: Pt[] = [];
  for (const m of swdLines.filter((l) => l.num === swdLines[0]?.num)) {
    const r = all.filter((x) => x.timestamp <= m.timestamp + 1e-3).at(-1);
    if (r && r.kimg <= maxKimg + 1e-9) swd.push([r.kimg, m.results.swd]);
  }
  return {
    label: label ?? path.basename(dir), swd,
    rt: stats.filter((s) => s.rt !== null).map((s): Pt => [s.kimg, s.rt!]),
    p: stats.map((s): Pt => [s.kimg, s.augmentP]),
  };
});
const colors = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e'];
const W = 640, PH = 200, L = 56, R = 16, T = 12, B = 22;
const xMax = Math.max(...series.flatMap((s) => [...s.swd, ...s.rt, ...s.p].map((p) => p[0])), 1);
const sx = (x: number) => L + (x / xMax) * (W - L - R);

function panel(y0: number, title: string, pick: (s: typeof series[number]) => Pt[], yMin: number, yMax: number, yStep: number, extra = ''): string {
  const sy = (y: number) => y0 + T + (1 - (y - yMin) / (yMax - yMin)) * (PH - T - B);
  const g: string[] = [];
  for (let y = yMin; y <= yMax + 1e-9; y += yStep) g.push(`<line x1="${L}" x2="${W - R}" y1="${sy(y)}" y2="${sy(y)}" stroke="#ddd"/><text x="${L - 6}" y="${sy(y) + 4}" text-anchor="end">${+y.toFixed(2)}</text>`);
  const step = xMax > 60 ? 20 : xMax > 20 ? 5 : 2;
  for (let x = 0; x <= xMax + 1e-9; x += step) g.push(`<text x="${sx(x)}" y="${y0 + PH - B + 15}" text-anchor="middle">${x}</text>`);
  const lines = series.map((s, i) => {
    const pts = pick(s), c = colors[i % colors.length];
    const d = pts.map((p, j) => `${j ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    return `<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>` + pts.map((p) => `<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="2.2" fill="${c}"/>`).join('') +
      `<text x="${W - R - 4}" y="${y0 + T + 14 + 15 * i}" text-anchor="end" fill="${c}">${s.label}</text>`;
  }).join('');
  return `${g.join('')}${extra ? extra.replace(/\{y:([-0-9.]+)\}/g, (_, v: string) => String(sy(Number(v)))) : ''}
<line x1="${L}" x2="${L}" y1="${y0 + T}" y2="${y0 + PH - B}" stroke="#444"/><line x1="${L}" x2="${W - R}" y1="${y0 + PH - B}" y2="${y0 + PH - B}" stroke="#444"/>
<text transform="translate(14 ${y0 + (T + PH - B) / 2}) rotate(-90)" text-anchor="middle">${title}</text>${lines}`;
}

const swdMax = Math.ceil(Math.max(...series.flatMap((s) => s.swd.map((p) => p[1])), 1) / 20) * 20;
const swdMin = Math.floor(Math.min(...series.flatMap((s) => s.swd.map((p) => p[1])), swdMax) / 20) * 20;
const pMax = Math.max(0.1, Math.ceil(Math.max(...series.flatMap((s) => s.p.map((p) => p[1]))) * 10) / 10);
const H = 3 * PH + 20;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${panel(0, 'SWD (256 images)', (s) => s.swd, swdMin, swdMax, 20)}
${panel(PH, 'r_t', (s) => s.rt, 0, 1, 0.2, `<line x1="${L}" x2="${W - R}" y1="{y:0.6}" y2="{y:0.6}" stroke="#888" stroke-dasharray="4 3"/>`)}
${panel(2 * PH, 'p', (s) => s.p, 0, pMax, pMax / 5)}
<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle">kimg</text></svg>`;
await sharp(Buffer.from(svg)).png().toFile(out);
console.log(`${out}: ${series.map((s) => `${s.label}: ${s.swd.length} SWD points, ${s.rt.length} r_t, ${s.p.length} p`).join('; ')}`);
