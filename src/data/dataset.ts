// Training data: finds images in a folder or .zip (or the bundled emoji set),
// decodes them once into one uint8 NHWC buffer, and serves float batches.
// Deliberately free of tfjs so it can be tested without a backend.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { unzipSync } from 'fflate';
import { decodeRgb, errorReason } from './grid.js';
import { implausibleZipEntry } from '../io/zip.js';
import { encodeLabels, readSourceLabels, type RawLabel } from './labels.js';

const IMAGE_EXT = /\.(png|jpe?g|webp)$/i;
const EXT_LIST = '.png, .jpg, .jpeg, .webp';
/** How many bad file names to spell out in a warning before summarising. */
const MAX_NAMED = 5;
/** Images decoded at once; sharp already parallelises inside each decode. */
const CONCURRENCY = 8;

/** Folder of the bundled 64x64 Twitter emoji PNGs (emoji-datasource-twitter). */
export function defaultDatasetPath(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('emoji-datasource-twitter/package.json');
  return path.join(path.dirname(pkg), 'img', 'twitter', '64');
}

/** A list of image files with a way to read their bytes. */
export interface ImageSource {
  kind: 'folder' | 'zip';
  /** The folder or zip path (the emoji folder when none was given). */
  path: string;
  /** Image names relative to the source, '/'-separated, sorted by code unit. */
  names: string[];
  /** Problems found while listing (e.g. unsafe zip entries). */
  warnings: string[];
  /** Zip entries skipped because their path escapes the archive. */
  unsafeEntries: number;
  read(i: number): Promise<Uint8Array>;
  /** The source's root dataset.json (NVIDIA's labels), if it has one. */
  meta?: Uint8Array;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// AppleDouble files ('._x.png') are macOS metadata that only look like images.
const isAppleDouble = (name: string): boolean => path.posix.basename(name).startsWith('._');

function listFolder(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const ent of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${ent.name}` : ent.name;
      // Symlinked directories are not followed, so cycles cannot occur.
      const isFile = ent.isFile() || (ent.isSymbolicLink() && fs.statSync(path.join(root, name), { throwIfNoEntry: false })?.isFile());
      if (ent.isDirectory()) walk(name);
      else if (isFile && IMAGE_EXT.test(ent.name) && !isAppleDouble(name)) out.push(name);
    }
  };
  walk('');
  return out.sort(byCodeUnit);
}

/** True for names like '../x.png', '/etc/x.png', 'C:\x.png' or 'a/../../x.png'. */
function isUnsafeZipName(name: string): boolean {
  const n = name.replace(/\\/g, '/');
  return n.startsWith('/') || /^[a-zA-Z]:/.test(n) || n.split('/').includes('..');
}

function openZip(file: string): ImageSource {
  const unsafe: string[] = [];
  const corrupt: string[] = [];
  let unsupported = 0;
  let files: Record<string, Uint8Array>;
  try {
    const bytes = fs.readFileSync(file);
    files = unzipSync(bytes, {
      filter: (f) => {
        const n = f.name.replace(/\\/g, '/');
        if (n.endsWith('/') || n.startsWith('__MACOSX/') || n.includes('/__MACOSX/')) return false;
        if (isUnsafeZipName(n)) { unsafe.push(f.name); return false; }
        const meta = n === 'dataset.json' && f.originalSize < 1 << 28;
        if (!meta && (!IMAGE_EXT.test(n) || isAppleDouble(n))) return false;
        // fflate inflates only stored (0) and deflated (8) entries and throws on others.
        if (f.compression !== 0 && f.compression !== 8) { unsupported++; return false; }
        // fflate allocates the claimed unpacked size: a corrupted field must not cost gigabytes.
        if (implausibleZipEntry(f, bytes.length)) { corrupt.push(f.name); return false; }
        return true;
      },
    });
  } catch (e) {
    throw new Error(`Cannot read zip ${file}: ${errorReason(e)}`);
  }
  const meta = files['dataset.json'];
  delete files['dataset.json'];
  const names = Object.keys(files).sort(byCodeUnit);
  const warnings: string[] = [];
  if (unsafe.length > 0) {
    warnings.push(`Skipped ${unsafe.length} zip entr${unsafe.length === 1 ? 'y' : 'ies'} with unsafe paths: ${nameList(unsafe)}`);
  }
  if (unsupported > 0) warnings.push(`Skipped ${unsupported} zip entries with unsupported compression`);
  if (corrupt.length > 0) warnings.push(`Skipped ${corrupt.length} corrupt zip entr${corrupt.length === 1 ? 'y' : 'ies'} (impossible sizes): ${nameList(corrupt)}`);
  return { kind: 'zip', path: file, names, warnings, unsafeEntries: unsafe.length, read: async (i) => files[names[i]], meta };
}

function nameList(names: string[]): string {
  const shown = names.slice(0, MAX_NAMED).join(', ');
  return names.length > MAX_NAMED ? `${shown}, ... (${names.length - MAX_NAMED} more)` : shown;
}

/**
 * Lists the images in a folder (recursive) or .zip; `undefined` opens the bundled
 * emoji set. Throws `Dataset not found: <path>` or `No images found in <path> ...`.
 */
export async function openImageSource(source: string | undefined): Promise<ImageSource> {
  const p = source ?? defaultDatasetPath();
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) throw new Error(`Dataset not found: ${p}`);
  let src: ImageSource;
  if (stat.isDirectory()) {
    const names = listFolder(p);
    const metaFile = path.join(p, 'dataset.json');
    src = {
      kind: 'folder', path: p, names, warnings: [], unsafeEntries: 0,
      read: async (i) => fs.promises.readFile(path.join(p, names[i])),
      meta: fs.statSync(metaFile, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(metaFile) : undefined,
    };
  } else if (/\.zip$/i.test(p)) {
    src = openZip(p);
  } else {
    throw new Error(`Dataset must be a folder or a .zip file: ${p}`);
  }
  if (src.names.length === 0) throw new Error(`No images found in ${p} (looked for ${EXT_LIST})`);
  return src;
}

/** Images held as one uint8 buffer `[N, R, R, 3]` (NHWC, RGB). */
export class Dataset {
  readonly numImages: number;
  readonly resolution: number;
  readonly images: Uint8Array; // [N, R, R, 3]
  /** Whether x-flip augmentation is wanted; see randomFlips(). */
  readonly mirror: boolean;
  readonly sourcePath: string;
  readonly warnings: string[];
  /** Class labels [N, dim] (one-hot for integer classes), when loaded with `labels`. */
  readonly labels?: { dim: number; values: Float32Array; classNames?: string[]; origin: string };

  constructor(opts: { images: Uint8Array; numImages: number; resolution: number; mirror?: boolean; sourcePath?: string; warnings?: string[]; labels?: Dataset['labels'] }) {
    const { images, numImages, resolution } = opts;
    if (images.length !== numImages * resolution * resolution * 3) {
      throw new Error(`Dataset buffer has ${images.length} bytes, expected ${numImages}x${resolution}x${resolution}x3`);
    }
    this.images = images;
    this.numImages = numImages;
    this.resolution = resolution;
    this.mirror = opts.mirror ?? false;
    this.sourcePath = opts.sourcePath ?? '';
    this.warnings = opts.warnings ?? [];
    if (opts.labels && opts.labels.values.length !== numImages * opts.labels.dim) throw new Error(`Dataset labels have ${opts.labels.values.length} values, expected ${numImages}x${opts.labels.dim}`);
    this.labels = opts.labels;
  }

  /** Labels [n, dim] of the given images (empty when the set has none). */
  labelBatch(indices: number[]): Float32Array {
    const l = this.labels;
    if (!l) return new Float32Array(0);
    const out = new Float32Array(indices.length * l.dim);
    indices.forEach((i, j) => out.set(l.values.subarray(i * l.dim, (i + 1) * l.dim), j * l.dim));
    return out;
  }

  /** Bytes per image: R * R * 3. */
  get imageSize(): number {
    return this.resolution * this.resolution * 3;
  }

  /** RGB bytes `[R, R, 3]` of image i: a view into `images`, not a copy. */
  getImage(i: number): Uint8Array {
    this.checkIndex(i);
    return this.images.subarray(i * this.imageSize, (i + 1) * this.imageSize);
  }

  /** Random per-sample flips when mirror is on, all false otherwise. */
  randomFlips(n: number, random: () => number = Math.random): boolean[] {
    return Array.from({ length: n }, () => this.mirror && random() < 0.5);
  }

  /**
   * Floats `[N, R, R, 3]` in [-1, 1] (x / 127.5 - 1) for the given images,
   * x-flipped where flips[i] is true (flips are applied as given, whatever `mirror` is).
   */
  sampleBatch(indices: number[], flips?: boolean[]): Float32Array {
    if (flips && flips.length !== indices.length) {
      throw new Error(`sampleBatch: ${flips.length} flips for ${indices.length} indices`);
    }
    const r = this.resolution;
    const size = this.imageSize;
    const out = new Float32Array(indices.length * size);
    for (let b = 0; b < indices.length; b++) {
      const img = this.getImage(indices[b]);
      const o = b * size;
      if (!flips?.[b]) {
        for (let k = 0; k < size; k++) out[o + k] = TO_FLOAT[img[k]];
        continue;
      }
      for (let y = 0; y < r; y++) {
        const row = y * r * 3;
        for (let x = 0; x < r; x++) {
          const s = row + (r - 1 - x) * 3;
          const d = o + row + x * 3;
          out[d] = TO_FLOAT[img[s]];
          out[d + 1] = TO_FLOAT[img[s + 1]];
          out[d + 2] = TO_FLOAT[img[s + 2]];
        }
      }
    }
    return out;
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.numImages) {
      throw new RangeError(`Image index ${i} out of range [0, ${this.numImages})`);
    }
  }
}

/** uint8 -> float in [-1, 1], precomputed. */
const TO_FLOAT = Float32Array.from({ length: 256 }, (_, v) => v / 127.5 - 1);

const isPow2AtLeast4 = (r: number): boolean => Number.isInteger(r) && r >= 4 && (r & (r - 1)) === 0;

export interface LoadOptions {
  /** Folder or .zip; undefined = bundled emoji set. */
  path?: string;
  resolution: number;
  mirror?: boolean;
  /** Load only the first maxImages images (in sorted order). */
  maxImages?: number;
  /** Throw on the first unreadable image instead of skipping it. */
  strict?: boolean;
  /** Load class labels (dataset.json, else sub-folder names); an image without one is an error. 'if-any': labels when the source has them, else none. */
  labels?: boolean | 'if-any';
  onProgress?: (done: number, total: number) => void;
}

/** Decodes every image into a Dataset (see decodeRgb for the conversions). */
export async function loadDataset(opts: LoadOptions): Promise<Dataset> {
  const r = opts.resolution;
  if (!isPow2AtLeast4(r)) throw new Error(`Resolution must be a power of two >= 4, got ${r}`);
  if (opts.maxImages !== undefined && (!Number.isInteger(opts.maxImages) || opts.maxImages < 1)) {
    throw new Error(`maxImages must be a positive integer, got ${opts.maxImages}`);
  }
  const src = await openImageSource(opts.path);
  const total = Math.min(src.names.length, opts.maxImages ?? Infinity);
  const sourceLabels = opts.labels ? readSourceLabels(src) : null;
  if (opts.labels === true && !sourceLabels) throw new Error(`${src.path} has no labels: no dataset.json with "labels", and its images are not in two or more sub-folders`);
  const raw: Array<RawLabel | undefined> = [];
  if (sourceLabels) {
    for (let i = 0; i < total; i++) raw.push(sourceLabels.labelOf(src.names[i]));
    const missing = raw.findIndex((l) => l === undefined);
    if (missing >= 0) throw new Error(`${sourceLabels.origin}: no label for ${src.names[missing]}`);
  }
  const size = r * r * 3;
  let images: Uint8Array; // [total, R, R, 3], compacted below if some fail
  try {
    images = new Uint8Array(total * size);
  } catch {
    const gb = ((total * size) / 2 ** 30).toFixed(1);
    throw new Error(`Dataset too large for memory: ${total} images at ${r}x${r} need ${gb} GiB; use maxImages or a lower resolution`);
  }

  const ok = new Uint8Array(total);
  const bad: string[] = [];
  const upsampled: string[] = [];
  let firstError = '', firstBad = Infinity;
  let next = 0;
  let done = 0;
  let aborted = false;
  const worker = async (): Promise<void> => {
    while (!aborted && next < total) {
      const i = next++;
      const name = src.names[i];
      try {
        const img = await decodeRgb(await src.read(i), r);
        images.set(img.data, i * size);
        ok[i] = 1;
        if (Math.min(img.sourceWidth, img.sourceHeight) < r) upsampled.push(name);
      } catch (e) {
        const reason = errorReason(e);
        if (opts.strict) {
          aborted = true;
          throw new Error(`Cannot read image ${name} in ${src.path}: ${reason}`);
        }
        // Workers fail out of order: report the first bad image in sorted order, deterministically.
        if (i < firstBad) { firstBad = i; firstError = `${name}: ${reason}`; }
        bad.push(name);
      }
      done++;
      opts.onProgress?.(done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, total) }, worker));

  const loaded = total - bad.length;
  if (loaded === 0) throw new Error(`None of the ${total} images in ${src.path} could be read (first: ${firstError})`);
  if (bad.length > 0) images = compact(images, ok, size, loaded);

  const warnings = [...src.warnings];
  // Workers finish out of order; sort so warnings are deterministic.
  if (bad.length > 0) warnings.push(`Skipped ${bad.length} unreadable image${bad.length === 1 ? '' : 's'}: ${nameList(bad.sort(byCodeUnit))}`);
  if (upsampled.length > 0) {
    warnings.push(`Upsampled ${upsampled.length} image${upsampled.length === 1 ? '' : 's'} smaller than ${r}x${r} (e.g. ${upsampled.sort(byCodeUnit)[0]})`);
  }
  let labels: Dataset['labels'];
  if (sourceLabels) {
    const kept = raw.filter((_, i) => ok[i]) as RawLabel[];
    labels = { ...encodeLabels(kept, sourceLabels.origin, sourceLabels.classNames?.length), classNames: sourceLabels.classNames, origin: sourceLabels.origin };
  }
  return new Dataset({ images, numImages: loaded, resolution: r, mirror: opts.mirror, sourcePath: src.path, warnings, labels });
}

/** Keeps the slots flagged in ok, preserving order. */
function compact(images: Uint8Array, ok: Uint8Array, size: number, loaded: number): Uint8Array {
  const out = new Uint8Array(loaded * size);
  let j = 0;
  for (let i = 0; i < ok.length; i++) {
    if (ok[i]) out.set(images.subarray(i * size, (i + 1) * size), j++ * size);
  }
  return out;
}

/**
 * Downscales a float batch `[n, fromRes, fromRes, 3]` to `[n, toRes, toRes, 3]` by
 * repeated 2x2 average pooling (progressive growing). Returns `data` itself when
 * toRes === fromRes.
 */
export function downscaleBatch(data: Float32Array, n: number, fromRes: number, toRes: number): Float32Array {
  if (!isPow2AtLeast1(fromRes) || !isPow2AtLeast1(toRes) || toRes > fromRes) {
    throw new Error(`downscaleBatch: cannot go from ${fromRes} to ${toRes} (powers of two, toRes <= fromRes)`);
  }
  if (data.length !== n * fromRes * fromRes * 3) {
    throw new Error(`downscaleBatch: ${data.length} values, expected ${n}x${fromRes}x${fromRes}x3`);
  }
  let cur = data;
  for (let res = fromRes; res > toRes; res /= 2) cur = halve(cur, n, res);
  return cur;
}

const isPow2AtLeast1 = (r: number): boolean => Number.isInteger(r) && r >= 1 && (r & (r - 1)) === 0;

/** One 2x2 average pool: [n, res, res, 3] -> [n, res/2, res/2, 3]. */
function halve(src: Float32Array, n: number, res: number): Float32Array {
  const h = res / 2;
  const out = new Float32Array(n * h * h * 3);
  const row = res * 3;
  let o = 0;
  for (let b = 0; b < n; b++) {
    const base = b * res * row;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < h; x++) {
        const p = base + 2 * y * row + 2 * x * 3;
        for (let c = 0; c < 3; c++) {
          out[o++] = (src[p + c] + src[p + 3 + c] + src[p + row + c] + src[p + row + 3 + c]) * 0.25;
        }
      }
    }
  }
  return out;
}
