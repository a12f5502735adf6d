/** Network presets: the paper's configurations and small CPU-friendly ones. */
import { defaultConfig, type StyleGANConfig } from './config.js';

export type NetworkPresetName = 'cpu16' | 'cpu32' | 'cpu64' | 'paper256' | 'paper512' | 'paper1024';

export const NETWORK_PRESETS = {
  // Tiny nets that train on a laptop CPU in minutes to an hour: 128-d latents, at most 64 channels.
  cpu16: defaultConfig({ zDim: 128, wDim: 128, mappingFmaps: 128, imgResolution: 16, channelBase: 1024, channelMax: 64 }),
  cpu32: defaultConfig({ zDim: 128, wDim: 128, mappingFmaps: 128, imgResolution: 32, channelBase: 1024, channelMax: 64 }),
  cpu64: defaultConfig({ zDim: 128, wDim: 128, mappingFmaps: 128, imgResolution: 64, channelBase: 2048, channelMax: 128 }),
  // The paper's networks (NVIDIA: fmap_base 8192, fmap_max 512).
  paper256: defaultConfig({ imgResolution: 256 }),
  paper512: defaultConfig({ imgResolution: 512 }),
  paper1024: defaultConfig({ imgResolution: 1024 }),
} satisfies Record<NetworkPresetName, StyleGANConfig>;

/** A preset for `resolution`: the CPU ones up to 64 px, the paper's channel table above. */
export function presetForResolution(resolution: number): StyleGANConfig {
  if (resolution <= 16) return { ...NETWORK_PRESETS.cpu16, imgResolution: resolution };
  if (resolution <= 32) return NETWORK_PRESETS.cpu32;
  if (resolution <= 64) return NETWORK_PRESETS.cpu64;
  return defaultConfig({ imgResolution: resolution });
}
