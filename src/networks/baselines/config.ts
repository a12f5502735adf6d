/**
 * The baseline generative models of the comparison table (issue 16), as eriklindernoren/PyTorch-GAN
 * builds them (`implementations/gan`, `dcgan`, `wgan`, `wgan_gp`, `lsgan`, `dragan`, `began`, `aae`)
 * and the VAE of Kingma & Welling (sized as pytorch/examples' vae). They have no W space: z goes
 * straight into the generator, so truncation and style mixing do not apply.
 */
export const BASELINE_ARCHS = ['gan', 'dcgan', 'wgan', 'wgan-gp', 'lsgan', 'dragan', 'began', 'vae', 'aae'] as const;
export type BaselineArch = (typeof BASELINE_ARCHS)[number];

export interface BaselineConfig {
  arch: BaselineArch;
  /** Latent size: 100 (GAN family), 62 (BEGAN), 20 (VAE), 10 (AAE), as the references. */
  zDim: number;
  /** No W space: equals zDim so that generic code sees one "style" of z itself. */
  wDim: number;
  /** Unconditional only. */
  cDim: 0;
  /** Output resolution; the networks are sized by it (MLP widths R*R*C, conv grids R/4 and R/16). */
  imgResolution: number;
  imgChannels: number;
}

export function isBaselineArch(arch: unknown): arch is BaselineArch {
  return (BASELINE_ARCHS as readonly unknown[]).includes(arch);
}

/** The reference latent sizes (PyTorch-GAN's --latent_dim defaults; pytorch/examples' VAE: 20). */
export const BASELINE_Z_DIM: Record<BaselineArch, number> = {
  gan: 100, dcgan: 100, wgan: 100, 'wgan-gp': 100, lsgan: 100, dragan: 100, began: 62, vae: 20, aae: 10,
};

/** Which network file each arch uses. */
export const BASELINE_FAMILY: Record<BaselineArch, 'mlp' | 'dcgan' | 'began' | 'vae' | 'aae'> = {
  gan: 'mlp', wgan: 'mlp', 'wgan-gp': 'mlp', dcgan: 'dcgan', lsgan: 'dcgan', dragan: 'dcgan', began: 'began', vae: 'vae', aae: 'aae',
};

/** Resolutions must be multiples of this: DCGAN's D halves four times (R/16), its G starts at R/4 (BEGAN too). */
export function minResolution(arch: BaselineArch): number {
  return BASELINE_FAMILY[arch] === 'dcgan' ? 16 : 4;
}

export function baselineConfig(arch: BaselineArch, imgResolution: number, over: Partial<Omit<BaselineConfig, 'arch'>> = {}): BaselineConfig {
  const zDim = over.zDim ?? BASELINE_Z_DIM[arch];
  const min = minResolution(arch);
  if (imgResolution < min || imgResolution % min !== 0) throw new Error(`--arch ${arch} needs a resolution that is a multiple of ${min}, got ${imgResolution}`);
  return { arch, zDim, wDim: zDim, cDim: 0, imgResolution, imgChannels: 3, ...over };
}
