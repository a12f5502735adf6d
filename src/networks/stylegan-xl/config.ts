/**
 * StyleGAN-XL (Sauer et al. 2022, "Scaling StyleGAN to Large Diverse Datasets") generator config.
 * Synthesis is StyleGAN3-T's, but progressive growing (SuperresGenerator) cuts the stem's
 * critically sampled layers and appends head layers with their own schedule, so no formula
 * gives the layers: the config lists each layer as the network holds it (NVIDIA's names
 * camelCased; the pickle's object state, not its stale `_init_kwargs`). The mapping embeds the
 * class through a fixed ImageNet embedding table (looked up with argmax of the one-hot label)
 * and a projection; w_avg is tracked per class.
 */
import type { InputSpec, LayerSpec } from '../stylegan3/schedule.js';

export interface StyleGANXLLayerSpec extends LayerSpec {
  /** Clamp of the layer output, null = none (256). */
  convClamp: number | null;
  /** Decay of the tracked input magnitude (stem and head layers differ). */
  magnitudeEmaBeta: number;
}

export interface StyleGANXLConfig {
  arch: 'stylegan-xl';
  /** 'Generator' (a 16 px stem) or 'SuperresGenerator' (stem + head layers). */
  generatorClass: 'Generator' | 'SuperresGenerator';
  zDim: number;
  /** Class-label size (0 = unconditional). */
  cDim: number;
  wDim: number;
  imgResolution: number;
  imgChannels: number;
  mapping: {
    numLayers: number;
    lrMultiplier: number;
    wAvgBeta: number;
    /** The class embedding table: nn.Embedding(embedNum, embedDim) (1000 x 320 for ImageNet's). */
    embedNum: number;
    embedDim: number;
  };
  synthesis: {
    input: InputSpec;
    /** In execution order (names such as L0_36_64 ... L3_36_64, L5_36_64 ...: no L4 after growing). */
    layers: StyleGANXLLayerSpec[];
    outputScale: number;
  };
}

/** Styles: one for the input, one per layer (ToRGB included). */
export function numWsXL(cfg: Pick<StyleGANXLConfig, 'synthesis'>): number {
  return cfg.synthesis.layers.length + 1;
}
