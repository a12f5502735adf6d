/**
 * Node-side writers shared by the sampling commands: float tiles to PNG grids, and frame
 * sequences to animated WebP/GIF (sharp) or MP4 (ffmpeg, when installed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import sharp from 'sharp';
import { imageGrid, toUint8, writePng } from './grid.js';

/** Float [R, R, C] in about [-1, 1] -> packed RGB uint8 (grey channels replicated). */
export function floatToRgb(data: Float32Array, channels: number): Uint8Array {
  const u8 = toUint8(data);
  if (channels === 3) return u8;
  const px = u8.length / channels;
  const out = new Uint8Array(px * 3);
  for (let p = 0; p < px; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = u8[p * channels];
  return out;
}

/** Row-major tiles (null = black) of size res x res into one RGB grid with `cols` columns. */
export function tilesToRgb(tiles: Array<Float32Array | null>, res: number, channels: number, cols: number): { data: Uint8Array; width: number; height: number } {
  const tile = res * res * 3;
  const buf = new Uint8Array(tiles.length * tile);
  tiles.forEach((t, i) => { if (t) buf.set(floatToRgb(t, channels), i * tile); });
  return imageGrid(buf, tiles.length, res, res, cols);
}

export async function writeTiles(file: string, tiles: Array<Float32Array | null>, res: number, channels: number, cols: number): Promise<void> {
  const g = tilesToRgb(tiles, res, channels, cols);
  await writePng(file, g.data, g.width, g.height);
}

export async function writeImage(file: string, data: Float32Array, res: number, channels: number): Promise<void> {
  await writePng(file, floatToRgb(data, channels), res, res);
}

export const ANIMATION_FORMATS = ['.webp', '.gif', '.mp4'] as const;

function onPath(exe: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      fs.accessSync(path.join(dir, exe), fs.constants.X_OK);
      return true;
    } catch { /* keep looking */ }
  }
  return false;
}

/** Throws a one-line error for an unsupported extension, or MP4 without ffmpeg, before any work is done. */
export function checkAnimationTarget(file: string): void {
  const ext = path.extname(file).toLowerCase();
  if (!(ANIMATION_FORMATS as readonly string[]).includes(ext)) {
    throw new Error(`${file}: unsupported animation format '${ext || '(none)'}'; use .webp, .gif or .mp4`);
  }
  if (ext === '.mp4' && !onPath('ffmpeg')) {
    throw new Error(`${file}: writing MP4 needs ffmpeg on PATH, which was not found; install ffmpeg or write .webp / .gif instead`);
  }
}

/** Frames (packed RGB, all width x height) as a looping animation chosen by the file extension. */
export async function writeAnimation(file: string, frames: Uint8Array[], width: number, height: number, fps = 30): Promise<void> {
  checkAnimationTarget(file);
  if (frames.length === 0) throw new Error(`${file}: no frames to write`);
  const frameBytes = width * height * 3;
  for (const f of frames) if (f.length !== frameBytes) throw new Error(`${file}: frame has ${f.length} bytes, expected ${frameBytes}`);
  await fs.promises.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const ext = path.extname(file).toLowerCase();
  if (ext === '.mp4') return writeMp4(file, frames, width, height, fps);
  // sharp takes an animation as one tall raw image with the frame height as pageHeight.
  const stacked = Buffer.concat(frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.length)));
  const delay = new Array(frames.length).fill(Math.round(1000 / fps));
  const img = sharp(stacked, { raw: { width, height: height * frames.length, channels: 3, pageHeight: height } });
  const out = ext === '.gif' ? img.gif({ loop: 0, delay }) : img.webp({ loop: 0, delay, quality: 90 });
  await out.toFile(file);
}

function writeMp4(file: string, frames: Uint8Array[], width: number, height: number, fps: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-y', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', '-',
      // yuv420p needs even sizes; pad by one pixel where needed so any grid encodes.
      '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '18', file];
    const p = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += String(d); });
    p.on('error', (e) => reject(new Error(`ffmpeg: ${e.message}`)));
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed (exit ${code}): ${err.trim().split('\n')[0] ?? ''}`))));
    p.stdin.on('error', () => { /* reported through close */ });
    for (const f of frames) p.stdin.write(f);
    p.stdin.end();
  });
}
