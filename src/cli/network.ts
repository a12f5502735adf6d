/**
 * Reads any network file the CLI accepts (Node only): our .safetensors checkpoints, and
 * official .pkl files converted on the fly into the same Snapshot shape.
 */
import fs from 'node:fs';
import type { Generator } from '../networks/generator.js';
import { decodeSnapshot, type Snapshot } from '../io/snapshot.js';
import { importStyleganTf } from '../io/import-stylegan-tf.js';
import { generatorFromSnapshot } from '../sampling/generate.js';

export interface ReadNetworkOptions {
  /** Also import the training G and D from pickles that have them (convert); generate needs G_ema only. */
  full?: boolean;
  /** Receives one line per thing left out (e.g. a partial D). */
  warn?: (line: string) => void;
}

export function isPickleFile(file: string): boolean {
  return /\.(pkl|pickle)$/i.test(file);
}

/** Whether a global of `module` is referenced near the start of a pickle (where the class references sit). */
function picklesModule(bytes: Uint8Array, module: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1 << 20)).includes(module, 0, 'latin1');
}

/** NVIDIA's 2019 TF StyleGAN (G, D, Gs): Gs becomes G_ema. */
function snapshotFromStyleganTf(bytes: Uint8Array, file: string, o: ReadNetworkOptions): Snapshot {
  const r = importStyleganTf(bytes, file, { withG: o.full, withD: o.full, lenient: true });
  if (r.lod !== 0) throw new Error(`${file}: Gs was saved mid-growth (lod ${r.lod}); only fully grown networks can be imported`);
  for (const s of r.skipped) o.warn?.(`warning: ${file}: left out ${s}`);
  return { config: r.config, modules: { G_ema: r.G_ema, ...(r.G && { G: r.G }), ...(r.D && { D: r.D }) } };
}

/** The one dispatch point for official pickles, by the classes they reference. */
function snapshotFromPickle(bytes: Uint8Array, file: string, o: ReadNetworkOptions): Snapshot {
  if (picklesModule(bytes, 'dnnlib.tflib.network')) return snapshotFromStyleganTf(bytes, file, o);
  throw new Error(`${file}: not a network pickle this version can read (supported: NVIDIA's original TensorFlow StyleGAN)`);
}

export function readNetworkFile(file: string, o: ReadNetworkOptions = {}): Snapshot {
  if (!fs.existsSync(file)) throw new Error(`Network file not found: ${file}`);
  if (fs.statSync(file).isDirectory()) throw new Error(`${file} is a folder, not a network file`);
  const bytes = fs.readFileSync(file);
  return isPickleFile(file) ? snapshotFromPickle(bytes, file, o) : decodeSnapshot(bytes, file);
}

/** G_ema of a network file as a ready generator. */
export async function loadNetwork(file: string): Promise<Generator> {
  return generatorFromSnapshot(readNetworkFile(file), file);
}
