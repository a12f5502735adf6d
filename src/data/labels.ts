/**
 * Class labels of a data set, as NVIDIA's dataset.py reads them: `dataset.json` at the root of
 * the folder or zip, {"labels": [[relative/name.png, class], ...]} (an integer class, one-hot
 * encoded with max + 1 classes, or a float vector), or null for none. Without one, images in
 * sub-folders (one per class, at least two) take the folder's index in sorted order, and the
 * folder names are kept.
 */
import type { ImageSource } from './dataset.js';

export type RawLabel = number | number[];

export interface SourceLabels {
  labelOf(name: string): RawLabel | undefined;
  classNames?: string[];
  /** Where they came from, for messages. */
  origin: string;
}

function parseDatasetJson(bytes: Uint8Array, where: string): Map<string, RawLabel> | null {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
  }
  const labels = (doc as { labels?: unknown })?.labels;
  if (labels === null || labels === undefined) return null;
  if (!Array.isArray(labels)) throw new Error(`${where}: "labels" must be a list of [name, label] pairs or null`);
  const map = new Map<string, RawLabel>();
  labels.forEach((pair, i) => {
    const ok = Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' &&
      ((typeof pair[1] === 'number' && Number.isFinite(pair[1])) || (Array.isArray(pair[1]) && pair[1].every((x: unknown) => typeof x === 'number' && Number.isFinite(x))));
    if (!ok) throw new Error(`${where}: labels[${i}] must be [name, number or list of numbers], got ${JSON.stringify(pair)?.slice(0, 80)}`);
    map.set(pair[0].replace(/\\/g, '/'), pair[1]);
  });
  return map;
}

/** The source's labels: its dataset.json, else its sub-folders; null when it has neither. */
export function readSourceLabels(src: ImageSource): SourceLabels | null {
  if (src.meta) {
    const where = `${src.path}${src.kind === 'zip' ? ':' : '/'}dataset.json`;
    const map = parseDatasetJson(src.meta, where);
    if (!map) return null;
    const doc = JSON.parse(new TextDecoder().decode(src.meta)) as { class_names?: unknown };
    const names = Array.isArray(doc.class_names) && doc.class_names.every((n) => typeof n === 'string') ? doc.class_names as string[] : undefined;
    return { labelOf: (n) => map.get(n), classNames: names, origin: where };
  }
  const folder = (n: string) => (n.includes('/') ? n.slice(0, n.indexOf('/')) : null);
  const folders = new Set(src.names.map(folder));
  if (folders.has(null) || folders.size < 2) return null;
  const classNames = [...folders as Set<string>].sort();
  const index = new Map(classNames.map((c, i) => [c, i]));
  return { labelOf: (n) => index.get(folder(n)!), classNames, origin: `the sub-folders of ${src.path}` };
}

/** Labels of the listed images as NVIDIA's get_label: one-hot [N, maxClass + 1] for integers, else the vectors. */
export function encodeLabels(raw: RawLabel[], where: string, numClasses = 0): { dim: number; values: Float32Array } {
  if (raw.every((l) => typeof l === 'number')) {
    const ints = raw as number[];
    const bad = ints.find((l) => !Number.isInteger(l) || l < 0);
    if (bad !== undefined) throw new Error(`${where}: class labels must be integers >= 0, got ${bad}`);
    const dim = Math.max(numClasses, ...ints.map((l) => l + 1));
    const values = new Float32Array(ints.length * dim);
    ints.forEach((l, i) => (values[i * dim + l] = 1));
    return { dim, values };
  }
  const vecs = raw.map((l) => (typeof l === 'number' ? [l] : l));
  const dim = vecs[0].length;
  if (vecs.some((v) => v.length !== dim)) throw new Error(`${where}: label vectors must all have the same length`);
  return { dim, values: Float32Array.from(vecs.flat()) };
}
