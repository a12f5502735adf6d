/**
 * Our checkpoint: one .safetensors file. Tensors are named `<module>.<path>` (module: G,
 * G_ema, D, optG, optD); `__metadata__` holds JSON strings `format`, `config`, `training`.
 * Works on bytes so the browser can load the same file.
 */
import { decodeSafetensors, encodeSafetensors, tensorToFloat32, type WritableTensor } from './safetensors.js';
import type { NetworkConfig } from '../networks/config.js';
import type { StyleGANConfig } from '../networks/stylegan/config.js';
import type { RawTensor } from '../networks/params.js';
import { isBaselineArch } from '../networks/baselines/config.js';

export const SNAPSHOT_FORMAT = 1;
export const SNAPSHOT_MODULES = ['G', 'G_ema', 'D', 'optG', 'optD'] as const;
export type SnapshotModule = (typeof SNAPSHOT_MODULES)[number];

/** A checkpoint; `C` is the configs it may hold (training reads `stylegan` ones). */
export interface Snapshot<C extends NetworkConfig = StyleGANConfig> {
  config: C;
  /** Training state for --resume (absent in converted/imported networks). */
  training?: Record<string, unknown>;
  modules: Partial<Record<SnapshotModule, Record<string, RawTensor>>>;
}

export function encodeSnapshot(s: Snapshot<NetworkConfig>): Uint8Array {
  const tensors: Record<string, WritableTensor> = {};
  for (const [mod, params] of Object.entries(s.modules)) {
    for (const [name, t] of Object.entries(params ?? {})) tensors[`${mod}.${name}`] = { dtype: 'F32', shape: t.shape, data: t.data };
  }
  const metadata: Record<string, string> = { format: String(SNAPSHOT_FORMAT), config: JSON.stringify(s.config) };
  if (s.training) metadata.training = JSON.stringify(s.training);
  return encodeSafetensors(tensors, metadata);
}

/** A `stylegan` checkpoint (what training resumes from). */
export function decodeSnapshot(bytes: Uint8Array, source: string): Snapshot {
  const s = decodeNetworkSnapshot(bytes, source);
  if (s.config.arch !== 'stylegan') throw new Error(`${source}: a '${s.config.arch}' checkpoint cannot be used here (only 'stylegan')`);
  return s as Snapshot;
}

/** A checkpoint of any architecture we can build ('stylegan', 'stylegan2', 'stylegan3', 'stylegan-xl'). */
export function decodeNetworkSnapshot(bytes: Uint8Array, source: string): Snapshot<NetworkConfig> {
  const file = decodeSafetensors(bytes, source);
  const md = file.metadata;
  if (md.format === undefined || md.config === undefined) throw new Error(`${source}: not a stylegan checkpoint (no format/config metadata)`);
  if (md.format !== String(SNAPSHOT_FORMAT)) throw new Error(`${source}: unsupported checkpoint format ${md.format} (this version reads ${SNAPSHOT_FORMAT})`);
  const parse = <T>(key: string): T => {
    try {
      const v = JSON.parse(md[key]);
      if (v && typeof v === 'object') return v;
    } catch { /* reported below */ }
    throw new Error(`${source}: metadata '${key}' is not valid JSON`);
  };
  const config = parse<NetworkConfig>('config');
  if (config.arch !== 'stylegan' && config.arch !== 'stylegan2' && config.arch !== 'stylegan3' && config.arch !== 'stylegan-xl' && !isBaselineArch(config.arch)) throw new Error(`${source}: unknown architecture '${String((config as { arch?: unknown }).arch)}'`);
  const modules: Snapshot['modules'] = {};
  for (const [key, t] of Object.entries(file.tensors)) {
    const dot = key.indexOf('.');
    const mod = key.slice(0, dot) as SnapshotModule;
    if (dot < 0 || !SNAPSHOT_MODULES.includes(mod)) throw new Error(`${source}: unknown checkpoint key ${key}`);
    (modules[mod] ??= {})[key.slice(dot + 1)] = { shape: t.shape, data: tensorToFloat32(t) };
  }
  if (!modules.G_ema) throw new Error(`${source}: checkpoint has no G_ema tensors`);
  return { config, training: md.training ? parse<Record<string, unknown>>('training') : undefined, modules };
}
