// Image I/O shared by the data set loader and the CLI: float -> uint8 conversion,
// grid tiling, PNG writing and robust decoding of arbitrary images to RGB.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** Packed RGB pixels: data is [height, width, 3] uint8. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

// toUint8 lives in a browser-safe file (the web playground uses it); re-exported for existing callers.
export { toUint8 } from './uint8.js';

export interface GridOptions {
  /** Pixels between neighbouring tiles (not around the border). Default 0. */
  pad?: number;
  /** Colour of padding and of empty trailing cells. Default black. */
  background?: [number, number, number];
}

/**
 * Tiles n images `[n, h, w, 3]` row-major into a grid with `cols` columns and
 * ceil(n / cols) rows.
 */
export function imageGrid(
  images: Uint8Array, n: number, h: number, w: number, cols: number, opts: GridOptions = {},
): RgbImage {
  const pad = opts.pad ?? 0;
  const [br, bg, bb] = opts.background ?? [0, 0, 0];
  if (!Number.isInteger(cols) || cols < 1) throw new Error(`Grid columns must be a positive integer, got ${cols}`);
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`Grid padding must be a non-negative integer, got ${pad}`);
  if (images.length !== n * h * w * 3) {
    throw new Error(`Grid input has ${images.length} bytes, expected ${n}x${h}x${w}x3 = ${n * h * w * 3}`);
  }
  const rows = Math.max(1, Math.ceil(n / cols));
  const width = cols * w + (cols - 1) * pad;
  const height = rows * h + (rows - 1) * pad;
  const data = new Uint8Array(width * height * 3);
  if (br !== 0 || bg !== 0 || bb !== 0) {
    for (let p = 0; p < data.length; p += 3) { data[p] = br; data[p + 1] = bg; data[p + 2] = bb; }
  }
  const rowBytes = w * 3;
  for (let i = 0; i < n; i++) {
    const x0 = (i % cols) * (w + pad);
    const y0 = Math.floor(i / cols) * (h + pad);
    for (let y = 0; y < h; y++) {
      const src = (i * h + y) * rowBytes;
      data.set(images.subarray(src, src + rowBytes), ((y0 + y) * width + x0) * 3);
    }
  }
  return { data, width, height };
}

function checkRgb(rgb: Uint8Array, width: number, height: number): void {
  if (rgb.length !== width * height * 3) {
    throw new Error(`RGB buffer has ${rgb.length} bytes, expected ${width}x${height}x3 = ${width * height * 3}`);
  }
}

/** Encodes packed RGB `[height, width, 3]` as a PNG. */
export async function encodePng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  checkRgb(rgb, width, height);
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** Writes packed RGB as a PNG file, creating the parent directory. */
export async function writePng(file: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  const png = await encodePng(rgb, width, height);
  await fs.promises.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await fs.promises.writeFile(file, png);
}

/** First meaningful line of a sharp/libvips error (they can span many lines). */
export function errorReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const line = msg.split('\n').map((s) => s.trim()).find((s) => s.length > 0) ?? 'unknown error';
  return line.replace(/:$/, '');
}

/** Decoded RGB plus the oriented source size, so callers can detect upsampling. */
export interface DecodedImage extends RgbImage {
  sourceWidth: number;
  sourceHeight: number;
}

/**
 * Decodes any image sharp understands into RGB uint8: EXIF orientation applied,
 * alpha composited on white, grey / CMYK / 16-bit converted to 8-bit sRGB.
 * With `size`, center-crops to a square on the shorter side and resizes to
 * size x size (lanczos3). Throws sharp's error for unreadable input.
 */
export async function decodeRgb(input: string | Uint8Array, size?: number): Promise<DecodedImage> {
  const img = sharp(input, { autoOrient: true });
  const meta = await img.metadata();
  const sourceWidth = meta.autoOrient?.width ?? meta.width;
  const sourceHeight = meta.autoOrient?.height ?? meta.height;
  // Flatten before the colourspace change so transparent pixels become white, not black.
  let pipe = img.flatten({ background: '#ffffff' }).toColourspace('srgb');
  if (size !== undefined) {
    const s = Math.min(sourceWidth, sourceHeight);
    const left = Math.floor((sourceWidth - s) / 2);
    const top = Math.floor((sourceHeight - s) / 2);
    // extract() before resize() crops the source, then the square is resampled.
    pipe = pipe.extract({ left, top, width: s, height: s }).resize(size, size, { fit: 'fill' });
  }
  const { data, info } = await pipe.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels instead of 3`);
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
    sourceWidth,
    sourceHeight,
  };
}

/**
 * Reads an image file as RGB uint8 (flattened on white); with `size`, center-crops
 * and resizes to size x size. Errors are one line naming the file.
 */
export async function readImageRgb(file: string, size?: number): Promise<RgbImage> {
  if (size !== undefined && (!Number.isInteger(size) || size < 1)) {
    throw new Error(`Image size must be a positive integer, got ${size}`);
  }
  if (!fs.existsSync(file)) throw new Error(`Cannot read image ${file}: file not found`);
  try {
    const { data, width, height } = await decodeRgb(file, size);
    return { data, width, height };
  } catch (e) {
    throw new Error(`Cannot read image ${file}: ${errorReason(e)}`);
  }
}
