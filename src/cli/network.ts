/**
 * Reads any network file the CLI accepts (Node only): our .safetensors checkpoints, and
 * official .pkl files converted on the fly into the same Snapshot shape.
 */
import fs from 'node:fs';
import type { NetworkConfig } from '../networks/config.js';
import type { Generator } from '../networks/stylegan/generator.js';
import type { GeneratorLike } from '../networks/generator-api.js';
import { decodeNetworkSnapshot, type Snapshot } from '../io/snapshot.js';
import { type ReadNetworkOptions, snapshotFromPickle, snapshotFromRosinality } from '../io/network-bytes.js';
import { generatorFromSnapshot, networkFromSnapshot } from '../sampling/generate.js';

export type { ReadNetworkOptions };

export function isPickleFile(file: string): boolean {
  return /\.(pkl|pickle)$/i.test(file);
}

/** A torch.save checkpoint (rosinality/stylegan2-pytorch's .pt). */
export function isTorchCheckpointFile(file: string): boolean {
  return /\.(pt|pth)$/i.test(file);
}

export function readNetworkFile(file: string, o: ReadNetworkOptions = {}): Snapshot<NetworkConfig> {
  if (!fs.existsSync(file)) throw new Error(`Network file not found: ${file}`);
  if (fs.statSync(file).isDirectory()) throw new Error(`${file} is a folder, not a network file`);
  const bytes = fs.readFileSync(file);
  if (isTorchCheckpointFile(file)) return snapshotFromRosinality(bytes, file, o);
  return isPickleFile(file) ? snapshotFromPickle(bytes, file, o) : decodeNetworkSnapshot(bytes, file);
}

/** G_ema of a network file as a ready `stylegan` generator (for the studies that use its internals). */
export async function loadNetwork(file: string): Promise<Generator> {
  const s = readNetworkFile(file);
  if (s.config.arch !== 'stylegan') throw new Error(`${file}: this command supports 'stylegan' networks only, not '${s.config.arch}'`);
  return generatorFromSnapshot(s as Snapshot, file);
}

/** G_ema of a network file of any arch ('stylegan', 'stylegan2', 'stylegan3') as a ready generator. */
export async function loadAnyNetwork(file: string): Promise<GeneratorLike> {
  return networkFromSnapshot(readNetworkFile(file), file);
}
