/**
 * The two figures of `stylegan compare`, drawn as SVG and rasterised by sharp (librsvg): samples.png
 * (one labelled row of samples per arch) and curves.png (SWD over training time per arch).
 */
import sharp from 'sharp';
import { encodePng } from './grid.js';
import { writeFileAtomic } from '../io/fs-atomic.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const FONT = 'font-family="DejaVu Sans, sans-serif"';

export interface SampleRow {
  label: string;
  /** `count` images of `size` x `size` RGB, uint8, one after another; undefined = a row saying `note`. */
  images?: Uint8Array;
  note?: string;
}

/** One row per arch: its label, then its samples scaled by an integer factor (nearest) to ~64 px. */
export async function writeSamplesPng(file: string, rows: SampleRow[], size: number, count: number): Promise<void> {
  const scale = Math.max(1, Math.round(64 / size)), cell = size * scale, pad = 4, labelW = 120;
  const width = labelW + count * (cell + pad) + pad, height = rows.length * (cell + pad) + pad;
  const parts: string[] = [`<rect width="${width}" height="${height}" fill="white"/>`];
  for (const [r, row] of rows.entries()) {
    const y = pad + r * (cell + pad);
    parts.push(`<text x="8" y="${y + cell / 2 + 5}" ${FONT} font-size="14" fill="black">${esc(row.label)}</text>`);
    if (!row.images) {
      parts.push(`<text x="${labelW}" y="${y + cell / 2 + 5}" ${FONT} font-size="12" fill="#666">${esc(row.note ?? '')}</text>`);
      continue;
    }
    for (let i = 0; i < count; i++) {
      const px = row.images.subarray(i * size * size * 3, (i + 1) * size * size * 3);
      const png = await sharp(await encodePng(px, size, size)).resize(cell, cell, { kernel: 'nearest' }).png().toBuffer();
      parts.push(`<image x="${labelW + i * (cell + pad)}" y="${y}" width="${cell}" height="${cell}" href="data:image/png;base64,${png.toString('base64')}"/>`);
    }
  }
  await renderSvg(file, width, height, parts);
}

export interface Curve {
  label: string;
  /** [minutes of training, SWD] points in time order. */
  points: Array<[number, number]>;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#000000', '#aec7e8'];

/** SWD (log scale) against minutes of training, one line and legend entry per arch. */
export async function writeCurvesPng(file: string, curves: Curve[], yLabel = 'SWD x1e3 (log)'): Promise<void> {
  const width = 720, height = 420, left = 70, right = 150, top = 20, bottom = 50;
  const pts = curves.flatMap((c) => c.points).filter(([, y]) => y > 0 && Number.isFinite(y));
  const maxX = Math.max(1e-3, ...pts.map(([x]) => x));
  const ys = pts.map(([, y]) => Math.log10(y));
  const lo = ys.length ? Math.floor(Math.min(...ys) * 4) / 4 : 0, hi = ys.length ? Math.ceil(Math.max(...ys) * 4) / 4 : 1;
  const span = Math.max(hi - lo, 0.25);
  const X = (x: number) => left + (x / maxX) * (width - left - right);
  const Y = (y: number) => top + (1 - (Math.log10(y) - lo) / span) * (height - top - bottom);
  const parts: string[] = [`<rect width="${width}" height="${height}" fill="white"/>`,
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="black"/>`,
    `<text x="${(left + width - right) / 2}" y="${height - 12}" ${FONT} font-size="13" text-anchor="middle">minutes of training</text>`,
    `<text x="16" y="${(top + height - bottom) / 2}" ${FONT} font-size="13" text-anchor="middle" transform="rotate(-90 16 ${(top + height - bottom) / 2})">${esc(yLabel)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const x = (maxX * i) / 4, yv = 10 ** (lo + (span * i) / 4);
    parts.push(`<text x="${X(x)}" y="${height - bottom + 16}" ${FONT} font-size="11" text-anchor="middle">${x.toFixed(maxX < 1 ? 2 : maxX < 10 ? 1 : 0)}</text>`);
    parts.push(`<text x="${left - 6}" y="${Y(yv) + 4}" ${FONT} font-size="11" text-anchor="end">${Number(yv.toPrecision(2))}</text>`);
    parts.push(`<line x1="${left}" y1="${Y(yv)}" x2="${width - right}" y2="${Y(yv)}" stroke="#eee"/>`);
  }
  curves.forEach((c, i) => {
    const color = COLORS[i % COLORS.length], ok = c.points.filter(([, y]) => y > 0 && Number.isFinite(y));
    if (ok.length) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${ok.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of ok) parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="2.5" fill="${color}"/>`);
    const ly = top + 10 + i * 18;
    parts.push(`<line x1="${width - right + 10}" y1="${ly}" x2="${width - right + 30}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${width - right + 36}" y="${ly + 4}" ${FONT} font-size="12">${esc(c.label)}${ok.length ? '' : ' (no points)'}</text>`);
  });
  await renderSvg(file, width, height, parts);
}

async function renderSvg(file: string, width: number, height: number, parts: string[]): Promise<void> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
  await writeFileAtomic(file, await sharp(Buffer.from(svg)).png().toBuffer());
}
