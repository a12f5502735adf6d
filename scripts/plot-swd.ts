/**
 * The SWD curve of one or more run folders as a PNG (an SVG drawn by sharp), for the README:
 *   node --import tsx scripts/plot-swd.ts OUT.png [--x minutes|kimg] DIR[=label] ...
 * Each metric-swd.jsonl line is placed at its tick's kimg and training minutes (stats.jsonl's
 * trainSec of the last tick written before it).
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

type Row = { kimg: number; trainSec?: number; totalSec?: number; timestamp: number };
type Point = { kimg: number; min: number; swd: number };

const args = process.argv.slice(2);
const out = args.shift();
let xAxis: 'minutes' | 'kimg' = 'minutes';
if (args[0] === '--x') {
  args.shift();
  xAxis = args.shift() as 'minutes' | 'kimg';
}
if (!out || !args.length || !['minutes', 'kimg'].includes(xAxis)) {
  console.error('usage: plot-swd.ts OUT.png [--x minutes|kimg] DIR[=label] ...');
  process.exit(2);
}

const jsonl = <T>(f: string): T[] => fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as T) : [];

function points(dir: string): Point[] {
  const rows = jsonl<Row>(path.join(dir, 'stats.jsonl'));
  const pts: Point[] = [];
  const lines = jsonl<{ results: { swd: number }; timestamp: number; num: number }>(path.join(dir, 'metric-swd.jsonl'));
  // Only the training monitor's lines (its image count); `stylegan metrics` appends others (--num 1000).
  for (const m of lines.filter((l) => l.num === lines[0]?.num)) {
    const r = rows.filter((x) => x.timestamp <= m.timestamp + 1e-3).at(-1);
    if (r) pts.push({ kimg: r.kimg, min: (r.trainSec ?? r.totalSec ?? 0) / 60, swd: m.results.swd });
  }
  return pts;
}

const series = args.map((a) => {
  const [dir, label] = a.split('=');
  return { label: label ?? path.basename(dir), pts: points(dir) };
});
const W = 640, H = 360, L = 56, R = 16, T = 16, B = 44;
const xs = series.flatMap((s) => s.pts.map((p) => (xAxis === 'kimg' ? p.kimg : p.min)));
const ys = series.flatMap((s) => s.pts.map((p) => p.swd));
const xMax = Math.max(...xs, 1), yMin = 0, yMax = Math.ceil(Math.max(...ys, 1) / 20) * 20;
const sx = (x: number) => L + (x / xMax) * (W - L - R), sy = (y: number) => T + (1 - (y - yMin) / (yMax - yMin)) * (H - T - B);
const colors = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const grid: string[] = [];
for (let y = 0; y <= yMax; y += yMax > 100 ? 40 : 20) {
  grid.push(`<line x1="${L}" x2="${W - R}" y1="${sy(y)}" y2="${sy(y)}" stroke="#ddd"/><text x="${L - 6}" y="${sy(y) + 4}" text-anchor="end">${y}</text>`);
}
const step = xMax > 60 ? 20 : xMax > 20 ? 5 : xMax > 8 ? 2 : 1;
for (let x = 0; x <= xMax + 1e-9; x += step) grid.push(`<text x="${sx(x)}" y="${H - B + 16}" text-anchor="middle">${x}</text>`);
const lines = series.map((s, i) => {
  const c = colors[i % colors.length];
  const d = s.pts.map((p, j) => `${j ? 'L' : 'M'}${sx(xAxis === 'kimg' ? p.kimg : p.min).toFixed(1)},${sy(p.swd).toFixed(1)}`).join(' ');
  return `<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>` +
    s.pts.map((p) => `<circle cx="${sx(xAxis === 'kimg' ? p.kimg : p.min).toFixed(1)}" cy="${sy(p.swd).toFixed(1)}" r="2.5" fill="${c}"/>`).join('') +
    (series.length > 1 ? `<text x="${W - R - 4}" y="${T + 14 + 16 * i}" text-anchor="end" fill="${c}">${s.label}</text>` : '');
}).join('');
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>${grid.join('')}
<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#444"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#444"/>
<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">${xAxis === 'kimg' ? 'kimg' : 'training minutes'}</text>
<text transform="translate(14 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">SWD (training monitor, 256 images)</text>
${lines}</svg>`;
await sharp(Buffer.from(svg)).png().toFile(out);
console.log(`${out}: ${series.map((s) => `${s.label} ${s.pts.length} points`).join(', ')}`);
