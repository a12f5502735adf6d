// Image I/O shared by the data set loader and the CLI: float -> uint8 conversion,
// grid tiling, PNG writing and robust decoding of arbitrary images to RGB.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** sharp (libvips) on first use: loading it costs ~0.25 s, and writing PNGs does not need it. */
async function loadSharp(): Promise<typeof import('sharp').default> {
  return (await import('sharp')).default;
}

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

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  let c = -1;
  for (let i = 4; i < 8 + data.length; i++) c = CRC_TABLE[(c ^ out[i]) & 0xff] ^ (c >>> 8);
  out.writeInt32BE(~c, 8 + data.length);
  return out;
}

/**
 * Encodes packed RGB `[height, width, 3]` as an 8-bit RGB PNG: each row with the Sub filter,
 * zlib level 6 (as libpng's default), no ancillary chunks.
 */
export async function encodePng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  checkRgb(rgb, width, height);
  const stride = width * 3;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1), row = y * stride;
    raw[o] = 1; // Sub: each byte minus the same channel of the pixel to its left
    for (let i = 0; i < stride; i++) raw[o + 1 + i] = rgb[row + i] - (i >= 3 ? rgb[row + i - 3] : 0);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, adaptive filtering, no interlace
  const idat = await new Promise<Buffer>((resolve, reject) => zlib.deflate(raw, { level: 6 }, (e, b) => (e ? reject(e) : resolve(b))));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', new Uint8Array(0))]);
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
  const sharp = await loadSharp();
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
