/**
 * Style mixing grids, as NVIDIA's style_mixing.py: every cell is the row seed's w with the
 * column seed's w copied into the chosen style layers (`w[row][styles] = w[col][styles]`).
 * Browser-safe (no Node imports).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorLike } from '../networks/generator-api.js';

type NoiseMode = 'const' | 'random' | 'none';
import { seedsToZ } from './generate.js';
import { sameClassRows } from './labels.js';

export type StylePreset = 'coarse' | 'middle' | 'fine';

/** Resolutions of each preset (paper sec. 3.1, fig. 3): coarse 4-8 px, middle 16-32 px, fine 64 px and up. */
const PRESET_RES: Record<StylePreset, [number, number]> = { coarse: [4, 8], middle: [16, 32], fine: [64, Infinity] };

/**
 * Style indices of a preset for a network with `numWs` styles. Styles 2k and 2k+1 belong to the
 * block at 4 * 2^k px; presets beyond the network's resolution are clipped (possibly to []).
 */
export function stylePresetIndices(preset: StylePreset, numWs: number): number[] {
  const [lo, hi] = PRESET_RES[preset];
  const out: number[] = [];
  for (let i = 0; i < numWs; i++) {
    const res = 4 * 2 ** Math.floor(i / 2);
    if (res >= lo && res <= hi) out.push(i);
  }
  return out;
}

/** 'coarse' | 'middle' | 'fine' | '0-6' | '0,2,4-5' -> sorted unique style indices in [0, numWs). */
export function parseStyles(spec: string, numWs: number): number[] {
  const s = spec.trim();
  if (s === 'coarse' || s === 'middle' || s === 'fine') return stylePresetIndices(s, numWs);
  const out = new Set<number>();
  for (const part of s.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new Error(`styles: '${part}' is not an index, a range like 0-6, or coarse|middle|fine`);
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`styles: range '${part}' ends before it starts`);
    if (b >= numWs) throw new Error(`styles: index ${b} is out of range; this network has ${numWs} styles (0-${numWs - 1})`);
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

/** ws [numWs, wDim] of `row` with the listed styles taken from `col` (copies; inputs untouched). */
export function mixWs(row: tf.Tensor2D, col: tf.Tensor2D, styles: number[]): tf.Tensor2D {
  return tf.tidy(() => {
    const num = row.shape[0];
    const mask = new Float32Array(num);
    for (const s of styles) mask[s] = 1;
    const m = tf.tensor2d(mask, [num, 1]);
    // where() selects exact values, so the mixed ws are bit-identical to a manual copy.
    return tf.where(tf.cast(tf.tile(m, [1, row.shape[1]]), 'bool'), col, row) as tf.Tensor2D;
  });
}

export interface StyleMixOptions {
  truncationPsi?: number;
  noiseMode?: NoiseMode;
  /** Images per synthesis pass. */
  batch?: number;
  /** Class of every seed, for a conditional network. */
  classIdx?: number;
}

export interface StyleMixGrid {
  rowSeeds: number[];
  colSeeds: number[];
  styles: number[];
  resolution: number;
  /** Plain images per seed, [R, R, C] floats in about [-1, 1]. */
  rows: Float32Array[];
  cols: Float32Array[];
  /** cells[r][c]: row seed r with column seed c's styles. */
  cells: Float32Array[][];
}

/** Synthesises ws [N, numWs, wDim] in batches; returns one [R, R, C] array per row. */
export async function synthesizeAll(G: GeneratorLike, ws: tf.Tensor3D, noiseMode: NoiseMode, batch = 8): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const n = ws.shape[0];
  const size = G.cfg.imgResolution ** 2 * G.cfg.imgChannels;
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    const img = tf.tidy(() => G.synthesis.forward(tf.slice(ws, [i, 0, 0], [k, -1, -1]), { noiseMode }));
    const data = (await img.data()) as Float32Array;
    img.dispose();
    for (let j = 0; j < k; j++) out.push(data.slice(j * size, (j + 1) * size));
  }
  return out;
}

export async function styleMixGrid(G: GeneratorLike, rowSeeds: number[], colSeeds: number[], styles: number[], opts: StyleMixOptions = {}): Promise<StyleMixGrid> {
  if (rowSeeds.length === 0 || colSeeds.length === 0) throw new Error('style mixing needs at least one row seed and one column seed');
  for (const s of styles) {
    if (!Number.isInteger(s) || s < 0 || s >= G.numWs) throw new Error(`style index ${s} is out of range [0, ${G.numWs})`);
  }
  const noiseMode = opts.noiseMode ?? 'const';
  const seeds = [...new Set([...rowSeeds, ...colSeeds])];
  const all = tf.tidy(() => G.mappingForward(seedsToZ(seeds, G.cfg.zDim), { truncationPsi: opts.truncationPsi ?? 1, c: sameClassRows(G, seeds.length, opts.classIdx) }));
  const plain = await synthesizeAll(G, all, noiseMode, opts.batch);
  const bySeed = new Map(seeds.map((s, i) => [s, i]));
  const mixed = tf.tidy(() => {
    const per = tf.unstack(all) as tf.Tensor2D[];
    const list: tf.Tensor2D[] = [];
    for (const r of rowSeeds) for (const c of colSeeds) list.push(mixWs(per[bySeed.get(r)!], per[bySeed.get(c)!], styles));
    return tf.stack(list) as tf.Tensor3D;
  });
  all.dispose();
  const flat = await synthesizeAll(G, mixed, noiseMode, opts.batch);
  mixed.dispose();
  return {
    rowSeeds, colSeeds, styles, resolution: G.cfg.imgResolution,
    rows: rowSeeds.map((s) => plain[bySeed.get(s)!]),
    cols: colSeeds.map((s) => plain[bySeed.get(s)!]),
    cells: rowSeeds.map((_, r) => flat.slice(r * colSeeds.length, (r + 1) * colSeeds.length)),
  };
}

/**
 * The figure layout of style_mixing.py: top-left blank (null), first row the column sources,
 * first column the row sources; (rows + 1) x (cols + 1) tiles in row-major order.
 */
export function styleMixTiles(g: StyleMixGrid): Array<Float32Array | null> {
  const tiles: Array<Float32Array | null> = [null, ...g.cols];
  g.rows.forEach((row, r) => tiles.push(row, ...g.cells[r]));
  return tiles;
}
