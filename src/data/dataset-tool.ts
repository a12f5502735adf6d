/**
 * `stylegan dataset`: NVIDIA's dataset_tool.py (stylegan2-ada-pytorch): images from a folder or
 * zip, cropped and resized, written as uncompressed PNGs `00000/img00000000.png` (numbered by
 * the source image, so skipped files leave gaps as in NVIDIA's) in a stored zip or a folder,
 * with `dataset.json` = {"labels": [[name, class], ...] | null}. Labels come from the source's
 * dataset.json, else from sub-folder names (one folder per class; the names go to
 * "class_names", a key NVIDIA's reader ignores). Unreadable or unusable images are skipped with
 * a one-line reason each, where NVIDIA's tool would stop.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { Zip, ZipPassThrough } from 'fflate';
import { openImageSource } from './dataset.js';
import { errorReason } from './grid.js';
import { readSourceLabels } from './labels.js';

export type DatasetTransform = 'center-crop' | 'center-crop-wide';

export interface DatasetToolOptions {
  source: string;
  /** A .zip (stored, as NVIDIA's) or a folder (must be empty or absent). */
  dest: string;
  width?: number;
  height?: number;
  transform?: DatasetTransform;
  /** Only the first N source images (NVIDIA's --max-images). */
  subset?: number;
  onProgress?: (done: number, total: number, skipped: number) => void;
  onSkip?: (name: string, reason: string) => void;
}

export interface DatasetToolResult {
  written: number;
  skipped: number;
  resolution: number;
  labels: boolean;
  classNames?: string[];
}

/** Raw RGB of one image after NVIDIA's transform, or a reason to skip it. */
async function transformImage(bytes: Uint8Array, o: DatasetToolOptions): Promise<{ data: Buffer; width: number; height: number } | string> {
  const img = sharp(bytes, { autoOrient: true });
  const meta = await img.metadata();
  const w = meta.autoOrient?.width ?? meta.width!, h = meta.autoOrient?.height ?? meta.height!;
  // Transparent pixels become white (NVIDIA's tool refuses RGBA); grey becomes RGB.
  let pipe = img.flatten({ background: '#ffffff' }).toColourspace('srgb');
  const W = o.width, H = o.height;
  let canvas: { width: number; height: number; top: number } | null = null;
  if (o.transform === 'center-crop') {
    const crop = Math.min(w, h);
    pipe = pipe.extract({ left: (w - crop) >> 1, top: (h - crop) >> 1, width: crop, height: crop }).resize(W!, H!, { fit: 'fill', kernel: 'lanczos3' });
  } else if (o.transform === 'center-crop-wide') {
    const ch = Math.round((W! * h) / w);
    if (w < W! || ch < H!) return `${w}x${h} is too small for center-crop-wide to ${W}x${H} (needs width >= ${W} and a ${W}:${H} crop of at least ${H} rows)`;
    const top = (h - ch) >> 1, bottom = (h + ch) >> 1;
    pipe = pipe.extract({ left: 0, top, width: w, height: Math.min(bottom, h) - top }).resize(W!, H!, { fit: 'fill', kernel: 'lanczos3' });
    canvas = { width: W!, height: W!, top: (W! - H!) >> 1 };
  } else if (W !== undefined && (W !== w || H !== h)) {
    pipe = pipe.resize(W, H, { fit: 'fill', kernel: 'lanczos3' });
  }
  const { data, info } = await pipe.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (!canvas) return { data, width: info.width, height: info.height };
  // center-crop-wide: the W x H strip on a black W x W canvas.
  const out = Buffer.alloc(canvas.width * canvas.height * 3);
  data.copy(out, canvas.top * canvas.width * 3);
  return { data: out, width: canvas.width, height: canvas.height };
}

/** A sink for the output entries: a stored zip streamed to a temp file, or a folder. */
function openDest(dest: string): { write(name: string, data: Uint8Array): void; close(): Promise<void>; abort(): void } {
  if (/\.zip$/i.test(dest)) {
    fs.mkdirSync(path.dirname(path.resolve(dest)), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w');
    let failed: Error | null = null;
    const zip = new Zip((err, chunk) => {
      if (err) failed = err;
      else fs.writeSync(fd, chunk);
    });
    return {
      write(name, data) {
        const entry = new ZipPassThrough(name); // stored, as zipfile.ZIP_STORED
        zip.add(entry);
        entry.push(data, true);
      },
      async close() {
        zip.end();
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        if (failed) throw failed;
        fs.renameSync(tmp, dest);
      },
      abort() {
        try { fs.closeSync(fd); } catch { /* already closed */ }
        fs.rmSync(tmp, { force: true });
      },
    };
  }
  if (fs.existsSync(dest) && (!fs.statSync(dest).isDirectory() || fs.readdirSync(dest).length > 0)) throw new Error(`--dest folder must be empty: ${dest}`);
  fs.mkdirSync(dest, { recursive: true });
  return {
    write(name, data) {
      fs.mkdirSync(path.dirname(path.join(dest, name)), { recursive: true });
      fs.writeFileSync(path.join(dest, name), data);
    },
    async close() {},
    abort() {},
  };
}

const isPow2 = (n: number) => n >= 1 && (n & (n - 1)) === 0;

export async function convertDataset(o: DatasetToolOptions): Promise<DatasetToolResult> {
  if (o.transform && (o.width === undefined || o.height === undefined)) throw new Error(`--transform ${o.transform} needs --resolution WxH`);
  if (o.width !== undefined && o.width !== o.height && o.transform !== 'center-crop-wide') throw new Error(`the output must be square, got ${o.width}x${o.height}`);
  const side = o.transform === 'center-crop-wide' ? o.width : o.width;
  if (side !== undefined && !isPow2(side)) throw new Error(`the output resolution must be a power of two, got ${side}`);
  const src = await openImageSource(o.source);
  const sourceLabels = readSourceLabels(src);
  const total = Math.min(src.names.length, o.subset ?? Infinity);
  const out = openDest(o.dest);
  const labels: Array<[string, number | number[]] | null> = [];
  let res = 0, written = 0, skipped = 0;
  try {
    for (let idx = 0; idx < total; idx++) {
      const name = src.names[idx];
      const s = String(idx).padStart(8, '0');
      const archiveName = `${s.slice(0, 5)}/img${s}.png`;
      let result: Awaited<ReturnType<typeof transformImage>>;
      try {
        result = await transformImage(await src.read(idx), o);
      } catch (e) {
        result = `cannot decode: ${errorReason(e)}`;
      }
      if (typeof result !== 'string') {
        if (!res) {
          if (result.width !== result.height) throw new Error(`images must be square after scale and crop, ${name} is ${result.width}x${result.height} (use --transform center-crop)`);
          if (!isPow2(result.width)) throw new Error(`images must be a power of two after scale and crop, ${name} is ${result.width}x${result.height} (use --resolution)`);
          res = result.width;
        } else if (result.width !== res || result.height !== res) {
          result = `is ${result.width}x${result.height} after scale and crop, the data set is ${res}x${res} (use --resolution)`;
        }
      }
      if (typeof result === 'string') {
        skipped++;
        o.onSkip?.(name, result);
      } else {
        const png = await sharp(result.data, { raw: { width: res, height: res, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
        out.write(archiveName, png);
        const label = sourceLabels?.labelOf(name);
        labels.push(label === undefined ? null : [archiveName, label]);
        written++;
      }
      o.onProgress?.(idx + 1, total, skipped);
    }
    if (!written) throw new Error(`no image of ${o.source} could be used (${skipped} skipped)`);
    const all = labels.every((l) => l !== null);
    const meta: Record<string, unknown> = { labels: all ? labels : null };
    if (all && sourceLabels?.classNames) meta.class_names = sourceLabels.classNames;
    out.write('dataset.json', new TextEncoder().encode(JSON.stringify(meta)));
    await out.close();
    return { written, skipped, resolution: res, labels: all && labels.length > 0, classNames: all ? sourceLabels?.classNames : undefined };
  } catch (e) {
    out.abort();
    throw e;
  }
}
