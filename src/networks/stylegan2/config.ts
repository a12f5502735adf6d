/** Defaults for {@link StyleGAN2Config}: NVIDIA's constructor defaults in training/networks.py. */
import type { StyleGAN2Config } from '../config.js';

export interface StyleGAN2ConfigOverrides extends Partial<Omit<StyleGAN2Config, 'mapping' | 'synthesis' | 'discriminator'>> {
  mapping?: Partial<StyleGAN2Config['mapping']>;
  synthesis?: Partial<StyleGAN2Config['synthesis']>;
  discriminator?: Partial<StyleGAN2Config['discriminator']>;
}

export function defaultStyleGAN2Config(over: StyleGAN2ConfigOverrides = {}): StyleGAN2Config {
  const { mapping, synthesis, discriminator, ...top } = over;
  const d = { channelBase: 32768, channelMax: 512, ...discriminator };
  const base = { arch: 'stylegan2' as const, zDim: 512, cDim: 0, wDim: 512, imgResolution: 1024, imgChannels: 3, ...top };
  return {
    ...base,
    mapping: { numLayers: 8, embedFeatures: base.cDim > 0 ? base.wDim : 0, layerFeatures: base.wDim, lrMultiplier: 0.01, wAvgBeta: 0.995, ...mapping },
    synthesis: {
      channelBase: 32768, channelMax: 512, numFp16Res: 0, convClamp: null, architecture: 'skip', resampleFilter: [1, 3, 3, 1], useNoise: true, ...synthesis,
    },
    discriminator: {
      channelBase: d.channelBase, channelMax: d.channelMax, numFp16Res: 0, convClamp: null, architecture: 'resnet', resampleFilter: [1, 3, 3, 1],
      // cmap_dim=None: the channels at 4x4.
      cmapDim: base.cDim > 0 ? Math.min(Math.floor(d.channelBase / 4), d.channelMax) : 0, mappingLayers: 8, mappingLrMultiplier: 0.01,
      mbstdGroupSize: 4, mbstdNumChannels: 1, ...discriminator,
    },
  };
}
