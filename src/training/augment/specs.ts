/**
 * NVIDIA's AugmentPipe options (stylegan2-ada-pytorch training/augment.py): a probability
 * multiplier per transform (the pipe's overall p scales them all) and the ranges, plus the named
 * pipes of train.py's --augpipe.
 */

export interface AugmentSpec {
  // Pixel blitting.
  xflip: number; rotate90: number; xint: number; xintMax: number;
  // General geometric transformations.
  scale: number; rotate: number; aniso: number; xfrac: number;
  scaleStd: number; rotateMax: number; anisoStd: number; xfracStd: number;
  // Colour transformations.
  brightness: number; contrast: number; lumaflip: number; hue: number; saturation: number;
  brightnessStd: number; contrastStd: number; hueMax: number; saturationStd: number;
  // Image-space filtering.
  imgfilter: number; imgfilterBands: [number, number, number, number]; imgfilterStd: number;
  // Image-space corruptions.
  noise: number; cutout: number; noiseStd: number; cutoutSize: number;
}

/** Every transform off, NVIDIA's default ranges. */
export const AUGMENT_DEFAULTS: AugmentSpec = {
  xflip: 0, rotate90: 0, xint: 0, xintMax: 0.125,
  scale: 0, rotate: 0, aniso: 0, xfrac: 0, scaleStd: 0.2, rotateMax: 1, anisoStd: 0.2, xfracStd: 0.125,
  brightness: 0, contrast: 0, lumaflip: 0, hue: 0, saturation: 0, brightnessStd: 0.2, contrastStd: 0.5, hueMax: 1, saturationStd: 1,
  imgfilter: 0, imgfilterBands: [1, 1, 1, 1], imgfilterStd: 1,
  noise: 0, cutout: 0, noiseStd: 0.1, cutoutSize: 0.5,
};

const blit = { xflip: 1, rotate90: 1, xint: 1 };
const geom = { scale: 1, rotate: 1, aniso: 1, xfrac: 1 };
const color = { brightness: 1, contrast: 1, lumaflip: 1, hue: 1, saturation: 1 };

/** train.py's augpipe_specs. */
export const AUGPIPES = {
  blit, geom, color,
  filter: { imgfilter: 1 },
  noise: { noise: 1 },
  cutout: { cutout: 1 },
  bg: { ...blit, ...geom },
  bgc: { ...blit, ...geom, ...color },
  bgcf: { ...blit, ...geom, ...color, imgfilter: 1 },
  bgcfn: { ...blit, ...geom, ...color, imgfilter: 1, noise: 1 },
  bgcfnc: { ...blit, ...geom, ...color, imgfilter: 1, noise: 1, cutout: 1 },
} satisfies Record<string, Partial<AugmentSpec>>;

export type AugpipeName = keyof typeof AUGPIPES;
export const AUGPIPE_NAMES = Object.keys(AUGPIPES) as AugpipeName[];

export function augmentSpec(over: Partial<AugmentSpec> | AugpipeName): AugmentSpec {
  if (typeof over === 'string') {
    if (!(over in AUGPIPES)) throw new Error(`unknown augment pipe '${over}' (one of ${AUGPIPE_NAMES.join(', ')})`);
    return { ...AUGMENT_DEFAULTS, ...AUGPIPES[over] };
  }
  return { ...AUGMENT_DEFAULTS, ...over };
}

/** Which of the pipe's stages run (NVIDIA decides by the multipliers, not by p: p = 0 still resamples). */
export function stagesOf(s: AugmentSpec): { geometric: boolean; color: boolean; filter: boolean; noise: boolean; cutout: boolean } {
  return {
    geometric: s.xflip > 0 || s.rotate90 > 0 || s.xint > 0 || s.scale > 0 || s.rotate > 0 || s.aniso > 0 || s.xfrac > 0,
    color: s.brightness > 0 || s.contrast > 0 || s.lumaflip > 0 || s.hue > 0 || s.saturation > 0,
    filter: s.imgfilter > 0,
    noise: s.noise > 0,
    cutout: s.cutout > 0,
  };
}
