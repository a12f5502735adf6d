/**
 * Latent walks: spherical interpolation in Z (z is Gaussian, so its mass lies near a sphere
 * and a straight line would cut through the low-density interior), linear interpolation in W
 * (the paper's PPL uses the same pair, sec. 4.2). Several walks render side by side as a grid,
 * laid out like NVIDIA's gen_video.py. Browser-safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorLike, GeneratorMappingOptions } from '../networks/generator-api.js';
import { seedToZ } from './rng.js';
import { checkClass } from './labels.js';
import { hasInputTransform } from './input-transform.js';
import { inputTransform, setInputTransform } from '../networks/stylegan3/transform.js';
import { readTensors } from '../backend/gpu-reads.js';

export type LatentSpace = 'z' | 'w';

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/**
 * Unit-norm slerp between the directions of a and b, as NVIDIA's PPL code: the result has norm 1
 * and its angle from a grows linearly in t. Parallel inputs fall back to a normalised lerp.
 */
export function slerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float64Array {
  const n = a.length;
  if (b.length !== n) throw new Error(`slerp: lengths ${n} and ${b.length} differ`);
  const na = norm(a), nb = norm(b);
  if (na === 0 || nb === 0) throw new Error('slerp: zero vector has no direction');
  const ua = Float64Array.from(a, (x) => x / na), ub = Float64Array.from(b, (x) => x / nb);
  let d = 0;
  for (let i = 0; i < n; i++) d += ua[i] * ub[i];
  d = Math.max(-1, Math.min(1, d));
  const omega = Math.acos(d);
  const out = new Float64Array(n);
  if (omega < 1e-7) {
    for (let i = 0; i < n; i++) out[i] = ua[i] + t * (ub[i] - ua[i]);
  } else {
    // c: unit vector orthogonal to ua in the (ua, ub) plane.
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = ub[i] - d * ua[i];
    const nc = norm(c);
    const p = t * omega;
    for (let i = 0; i < n; i++) out[i] = ua[i] * Math.cos(p) + (c[i] / nc) * Math.sin(p);
  }
  const no = norm(out);
  for (let i = 0; i < n; i++) out[i] /= no;
  return out;
}

export function lerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float64Array {
  if (a.length !== b.length) throw new Error(`lerp: lengths ${a.length} and ${b.length} differ`);
  return Float64Array.from(a, (x, i) => x + t * (b[i] - x));
}

/**
 * Keyframe seeds per grid cell, as gen_video.py: seeds.length must be a multiple of the cell
 * count, and cell i walks through seeds [i*k, (i+1)*k) with k = seeds.length / cells.
 */
export function walkSeeds(seeds: number[], cells: number, minPerWalk = 2): number[][] {
  if (seeds.length === 0 || seeds.length % cells !== 0) {
    throw new Error(`interpolation: the number of seeds (${seeds.length}) must be a positive multiple of the grid cells (${cells})`);
  }
  const k = seeds.length / cells;
  if (k < minPerWalk) throw new Error(`interpolation: each of the ${cells} walks needs at least 2 seeds to move between, got ${seeds.length} seeds`);
  return Array.from({ length: cells }, (_, i) => seeds.slice(i * k, (i + 1) * k));
}

export interface InterpolateOptions extends GeneratorMappingOptions {
  space?: LatentSpace;
  /** Frames of the whole (looping) animation. */
  frames: number;
  /** Walks side by side, [columns, rows]; default one. */
  grid?: [number, number];
  noiseMode?: 'const' | 'random' | 'none';
  batch?: number;
  /**
   * Conditional networks: the class of each keyframe seed (same length as the seeds). Between
   * keyframes of different classes the one-hot labels are lerped with t, so the walk crosses
   * classes (StyleGAN-XL mixes the class embeddings and the class w_avg rows).
   */
  classes?: number[];
  /**
   * StyleGAN3 / StyleGAN-XL: a translation / rotation sweep (the equivariance videos): frame f of
   * F moves the images by t * translate image widths and turns them by t * rotate degrees, t =
   * f / (F - 1), as generate's --translate / --rotate (so the first frame is untransformed and the
   * last is the full transform). With it a walk may hold a single seed (a fixed latent).
   */
  sweep?: { translate: [number, number]; rotate: number };
}

/** The sweep's position at frame f of `frames`: 0 at the first frame, 1 at the last. */
export function sweepAt(f: number, frames: number): number {
  return frames > 1 ? f / (frames - 1) : 0;
}

/**
 * Latent of frame f: the walk visits its keyframes in turn and returns to the first, so the
 * animation loops; frame 0 is exactly the first keyframe.
 */
function frameLabel(keys: number[], f: number, frames: number, cDim: number): Float32Array {
  const u = (f / frames) * keys.length;
  const i = Math.floor(u), t = u - i;
  const out = new Float32Array(cDim);
  out[keys[i % keys.length]] += 1 - t;
  out[keys[(i + 1) % keys.length]] += t;
  return out;
}

function frameLatent(keys: Float32Array[], f: number, frames: number, space: LatentSpace): Float64Array {
  const u = (f / frames) * keys.length;
  const i = Math.floor(u), t = u - i;
  const a = keys[i % keys.length], b = keys[(i + 1) % keys.length];
  if (t === 0 || keys.length === 1) return Float64Array.from(a);
  if (space === 'w') return lerp(a, b, t);
  // Unit slerp rescaled by the interpolated length keeps |z| typical of N(0, I) draws.
  const scale = norm(a) + t * (norm(b) - norm(a));
  return slerp(a, b, t).map((x) => x * scale);
}

/**
 * Renders a looping walk; calls onFrame(index, cellImages) in order, each image [R, R, C] floats.
 * Z walks are mapped (and truncated) per frame; W walks interpolate the truncated keyframe ws.
 */
export async function interpolate(
  G: GeneratorLike, seeds: number[], opts: InterpolateOptions,
  onFrame: (index: number, cells: Float32Array[]) => void | Promise<void>,
): Promise<void> {
  const { frames, space = 'z', grid = [1, 1], noiseMode = 'const', batch = 8 } = opts;
  if (!Number.isInteger(frames) || frames < 1) throw new Error(`interpolation: frames must be a positive integer, got ${frames}`);
  const cells = grid[0] * grid[1];
  const { sweep } = opts;
  if (sweep && !hasInputTransform(G)) throw new Error(`interpolation: a translate / rotate sweep needs a StyleGAN3 or StyleGAN-XL network (this one is '${G.cfg.arch}')`);
  const walks = walkSeeds(seeds, cells, sweep ? 1 : 2);
  const zDim = G.cfg.zDim, wDim = G.cfg.wDim, cDim = G.cfg.cDim ?? 0;
  if (cDim > 0) {
    if (!opts.classes || opts.classes.length !== seeds.length) throw new Error(`interpolation: this is a conditional network with ${cDim} classes: give one class per seed (--class or --classes)`);
    opts.classes.forEach((c) => checkClass(G, c));
  }
  const classWalks = cDim > 0 ? walkSeeds(opts.classes!, cells) : [];
  const toW = (z: Float32Array, n: number, c?: Float32Array): tf.Tensor3D =>
    tf.tidy(() => G.mappingForward(tf.tensor2d(z, [n, zDim]), { ...opts, c: c && tf.tensor2d(c, [n, cDim]) }));
  // Keyframes per walk in the space being interpolated; a w keyframe keeps all its styles, which
  // differ when truncation has a cutoff.
  const keys: Float32Array[][] = [];
  for (const [w, walk] of walks.entries()) {
    const zs = walk.map((s) => seedToZ(s, zDim));
    if (space === 'z') { keys.push(zs); continue; }
    const z = new Float32Array(walk.length * zDim);
    zs.forEach((v, i) => z.set(v, i * zDim));
    const c = cDim > 0 ? new Float32Array(walk.length * cDim) : undefined;
    classWalks[w]?.forEach((k, i) => { c![i * cDim + k] = 1; });
    const ws = toW(z, walk.length, c);
    const flat = (await ws.data()) as Float32Array;
    ws.dispose();
    const stride = G.numWs * wDim;
    keys.push(walk.map((_, i) => flat.slice(i * stride, (i + 1) * stride)));
  }
  const size = G.cfg.imgResolution ** 2 * G.cfg.imgChannels;
  const total = frames * cells;
  let pending: Float32Array[] = [];
  let frame = 0;
  // A sweep sets the one input transform per frame, so a batch holds one frame's cells.
  const step = sweep ? cells : batch;
  const transform = sweep && hasInputTransform(G) ? G.synthesis.input.transform : undefined;
  const saved = transform ? (await readTensors([transform]))[0].slice() : undefined;
  try {
    for (let start = 0; start < total; start += step) {
      const k = Math.min(step, total - start);
      if (sweep && transform) {
        const t = sweepAt(start / cells, frames);
        setInputTransform(transform, inputTransform([t * sweep.translate[0], t * sweep.translate[1]], t * sweep.rotate));
      }
      const dim = space === 'z' ? zDim : G.numWs * wDim;
      const lat = new Float32Array(k * dim);
      const labels = cDim > 0 && space === 'z' ? new Float32Array(k * cDim) : undefined;
      for (let j = 0; j < k; j++) {
        const item = start + j, f = Math.floor(item / cells), cell = item % cells;
        lat.set(frameLatent(keys[cell], f, frames, space), j * dim);
        labels?.set(frameLabel(classWalks[cell], f, frames, cDim), j * cDim);
      }
      const img = tf.tidy(() => {
        const ws = space === 'z'
          ? toW(lat, k, labels)
          : tf.tensor3d(lat, [k, G.numWs, wDim]);
        return G.synthesis.forward(ws, { noiseMode });
      });
      const data = (await img.data()) as Float32Array;
      img.dispose();
      for (let j = 0; j < k; j++) {
        pending.push(data.slice(j * size, (j + 1) * size));
        if (pending.length === cells) {
          await onFrame(frame++, pending);
          pending = [];
        }
      }
    }
  } finally {
    if (transform && saved) tf.tidy(() => transform.assign(tf.tensor2d(saved, [3, 3])));
  }
}
