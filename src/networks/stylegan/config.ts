/**
 * Typed network configuration for the `stylegan` arch (Karras et al. 2019, NVIDIA's
 * networks_stylegan.py). Names follow NVIDIA's, camelCased.
 */
export interface StyleGANConfig {
  arch: 'stylegan';
  /** Latent z size (512 in the paper). */
  zDim: number;
  /** Intermediate latent w size (512 in the paper). */
  wDim: number;
  /** Fully connected layers in the mapping network (8). */
  mappingLayers: number;
  /** Hidden width of the mapping network (512). */
  mappingFmaps: number;
  /** Learning-rate multiplier of the mapping network (0.01). */
  mappingLrMul: number;
  /** Output resolution, a power of two >= 4. */
  imgResolution: number;
  /** Output channels (3 = RGB). */
  imgChannels: number;
  /** Channels at resolution R are min(channelBase / R, channelMax); NVIDIA's fmap_base * 2. */
  channelBase: number;
  channelMax: number;
  /** Fused transposed-conv upsampling (and strided-conv downsampling in D) from 128 px, as fused_scale='auto'. */
  fusedScale: 'auto' | boolean;
  /** Per-pixel noise inputs. */
  useNoise: boolean;
  /** Minibatch-stddev group size in D (4) and number of new features (1). */
  mbstdGroupSize: number;
  mbstdNumFeatures: number;
  /** Class labels (0 = unconditional; only 0 is supported by this arch for now). */
  cDim: number;
}

export const LRELU_ALPHA = 0.2;
export const LRELU_GAIN = Math.SQRT2;

/** Channels at resolution `res`: min(channelBase / res, channelMax). */
export function channelsAt(cfg: Pick<StyleGANConfig, 'channelBase' | 'channelMax'>, res: number): number {
  return Math.min(Math.floor(cfg.channelBase / res), cfg.channelMax);
}

export function log2Int(n: number, what = 'resolution'): number {
  const l = Math.log2(n);
  if (!Number.isInteger(l) || n < 4) throw new Error(`${what} must be a power of two >= 4, got ${n}`);
  return l;
}

/** Resolutions of the synthesis blocks: 4, 8, ..., imgResolution. */
export function blockResolutions(cfg: Pick<StyleGANConfig, 'imgResolution'>): number[] {
  const out: number[] = [];
  for (let r = 4; r <= cfg.imgResolution; r *= 2) out.push(r);
  log2Int(cfg.imgResolution);
  return out;
}

/** Two styles per resolution: 18 at 1024 px. */
export function numWs(cfg: Pick<StyleGANConfig, 'imgResolution'>): number {
  return 2 * blockResolutions(cfg).length;
}

export function useFused(cfg: Pick<StyleGANConfig, 'fusedScale'>, outRes: number): boolean {
  return cfg.fusedScale === 'auto' ? outRes >= 128 : cfg.fusedScale;
}

export function defaultConfig(over: Partial<StyleGANConfig> = {}): StyleGANConfig {
  return {
    arch: 'stylegan', zDim: 512, wDim: 512, mappingLayers: 8, mappingFmaps: 512, mappingLrMul: 0.01,
    imgResolution: 1024, imgChannels: 3, channelBase: 16384, channelMax: 512, fusedScale: 'auto',
    useNoise: true, mbstdGroupSize: 4, mbstdNumFeatures: 1, cDim: 0, ...over,
  };
}
