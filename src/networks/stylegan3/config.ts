/**
 * StyleGAN3 (Karras et al. 2021, "Alias-Free Generative Adversarial Networks") config: names and
 * defaults are NVIDIA's constructor arguments in training/networks_stylegan3.py, camelCased.
 * D is StyleGAN2's discriminator (train.py builds training.networks_stylegan2.Discriminator).
 */
import { type StyleGAN2Config, defaultStyleGAN2Config } from '../stylegan2/config.js';

export interface StyleGAN3Config {
  arch: 'stylegan3';
  zDim: number;
  /** Class-label size (0 = unconditional). */
  cDim: number;
  /** Names of the classes (training with --cond on sub-folders or dataset.json's class_names), when known. */
  classNames?: string[];
  wDim: number;
  imgResolution: number;
  imgChannels: number;
  mapping: {
    /** Fully connected layers (2 for StyleGAN3). */
    numLayers: number;
    lrMultiplier: number;
    /** Decay of the tracked average w (0.998). */
    wAvgBeta: number;
  };
  synthesis: {
    /** Channels of a layer with cutoff f_c: rint(min((channelBase / 2) / f_c, channelMax)). */
    channelBase: number;
    channelMax: number;
    /** Layers excluding the Fourier features and ToRGB (14). */
    numLayers: number;
    /** Critically sampled layers at the end (2). */
    numCritical: number;
    /** Cutoff f_{c,0} of the first layer (2). */
    firstCutoff: number;
    /** Minimum stopband f_{t,0} of the first layer (2^2.1). */
    firstStopband: number;
    /** Minimum stopband of the last layer relative to its cutoff (2^0.3). */
    lastStopbandRel: number;
    /** Extra pixels around the image in the non-critical layers (10). */
    marginSize: number;
    /** Scale of the output image (0.25). */
    outputScale: number;
    /** Layers NVIDIA runs in fp16 on CUDA; we (and NVIDIA off CUDA) run all in fp32. */
    numFp16Res: number;
    /** Conv kernel of the layers (3 for T, 1 for R); ToRGB is always 1x1. */
    convKernel: number;
    /** Low-pass filter taps relative to the lower rate when resampling (6). */
    filterSize: number;
    /** Relative sampling rate of the leaky ReLU (2). */
    lreluUpsampling: number;
    /** Radially symmetric (jinc) down filters in the non-critical layers (R). */
    useRadialFilters: boolean;
    /** Clamp of the layer outputs, null = none (256). */
    convClamp: number | null;
    /** Decay of the tracked input magnitude (train.py: 0.5^(batch / 20k)). */
    magnitudeEmaBeta: number;
  };
  discriminator: StyleGAN2Config['discriminator'];
}

export interface StyleGAN3ConfigOverrides extends Partial<Omit<StyleGAN3Config, 'mapping' | 'synthesis' | 'discriminator'>> {
  mapping?: Partial<StyleGAN3Config['mapping']>;
  synthesis?: Partial<StyleGAN3Config['synthesis']>;
  discriminator?: Partial<StyleGAN3Config['discriminator']>;
}

/** NVIDIA's constructor defaults (StyleGAN3-T); D as train.py builds it (resnet, StyleGAN2 defaults). */
export function defaultStyleGAN3Config(over: StyleGAN3ConfigOverrides = {}): StyleGAN3Config {
  const { mapping, synthesis, discriminator, ...top } = over;
  const base = { arch: 'stylegan3' as const, zDim: 512, cDim: 0, wDim: 512, imgResolution: 1024, imgChannels: 3, ...top };
  const d = { channelBase: 32768, channelMax: 512, ...discriminator };
  return {
    ...base,
    mapping: { numLayers: 2, lrMultiplier: 0.01, wAvgBeta: 0.998, ...mapping },
    synthesis: {
      channelBase: 32768, channelMax: 512, numLayers: 14, numCritical: 2, firstCutoff: 2, firstStopband: 2 ** 2.1,
      lastStopbandRel: 2 ** 0.3, marginSize: 10, outputScale: 0.25, numFp16Res: 4, convKernel: 3, filterSize: 6,
      lreluUpsampling: 2, useRadialFilters: false, convClamp: 256, magnitudeEmaBeta: 0.999, ...synthesis,
    },
    discriminator: {
      channelBase: d.channelBase, channelMax: d.channelMax, numFp16Res: 0, convClamp: null, architecture: 'resnet', resampleFilter: [1, 3, 3, 1],
      cmapDim: base.cDim > 0 ? Math.min(Math.floor(d.channelBase / 4), d.channelMax) : 0, mappingLayers: 8, mappingLrMultiplier: 0.01,
      mbstdGroupSize: 4, mbstdNumChannels: 1, ...discriminator,
    },
  };
}

/** Styles: one for the input, one per layer, one for ToRGB (16 by default). */
export function numWs3(cfg: Pick<StyleGAN3Config, 'synthesis'>): number {
  return cfg.synthesis.numLayers + 2;
}

/** The StyleGAN2 config D is built from (D reads only its own part, the sizes and the label size). */
export function discriminatorConfig(cfg: StyleGAN3Config): StyleGAN2Config {
  return { ...defaultStyleGAN2Config({ zDim: cfg.zDim, cDim: cfg.cDim, wDim: cfg.wDim, imgResolution: cfg.imgResolution, imgChannels: cfg.imgChannels }), discriminator: cfg.discriminator };
}
