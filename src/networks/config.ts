/** Any network this package can build: the union of each generation's typed config (tagged by `arch`). */
import type { StyleGANConfig } from './stylegan/config.js';
import type { StyleGAN2Config } from './stylegan2/config.js';
import type { StyleGAN3Config } from './stylegan3/config.js';
import type { StyleGANXLConfig } from './stylegan-xl/config.js';
import type { BaselineConfig } from './baselines/config.js';

export type NetworkConfig = StyleGANConfig | StyleGAN2Config | StyleGAN3Config | StyleGANXLConfig | BaselineConfig;
