/** StyleGAN2 config: its type and NVIDIA's constructor defaults in training/networks.py. */

/**
 * StyleGAN2 (Karras et al. 2020) as NVIDIA's stylegan2-ada-pytorch training/networks.py builds it;
 * names are its constructor arguments, camelCased.
 */
export interface StyleGAN2Config {
  arch: 'stylegan2';
  zDim: number;
  /** Class-label size (0 = unconditional). */
  cDim: number;
  /** Names of the classes (one-hot labels from sub-folders or dataset.json's class_names), when known. */
  classNames?: string[];
  wDim: number;
  imgResolution: number;
  imgChannels: number;
  mapping: {
    numLayers: number;
    /** Label embedding size (w_dim when c_dim > 0, else 0) and hidden width (w_dim by default). */
    embedFeatures: number;
    layerFeatures: number;
    lrMultiplier: number;
    wAvgBeta: number;
  };
  synthesis: {
    channelBase: number;
    channelMax: number;
    /** Blocks NVIDIA runs in fp16; we run every layer in fp32. */
    numFp16Res: number;
    convClamp: number | null;
    architecture: 'orig' | 'skip' | 'resnet';
    resampleFilter: number[];
    useNoise: boolean;
  };
  discriminator: {
    channelBase: number;
    channelMax: number;
    numFp16Res: number;
    convClamp: number | null;
    architecture: 'orig' | 'skip' | 'resnet';
    resampleFilter: number[];
    /** Projected label size (0 when unconditional). */
    cmapDim: number;
    mappingLayers: number;
    mappingLrMultiplier: number;
    mbstdGroupSize: number | null;
    mbstdNumChannels: number;
  };
}

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
