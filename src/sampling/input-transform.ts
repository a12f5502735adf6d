/**
 * `--translate X,Y --rotate DEG` for StyleGAN3 and StyleGAN-XL generators, as gen_images.py: the inverse of
 * make_transform written into the Fourier-feature input's transform. Browser-safe.
 */
import type { GeneratorLike } from '../networks/generator-api.js';
import { StyleGAN3Generator } from '../networks/stylegan3/generator.js';
import { StyleGANXLGenerator } from '../networks/stylegan-xl/generator.js';
import { inputTransform, setInputTransform } from '../networks/stylegan3/transform.js';

/** Whether `G` has a StyleGAN3 input (StyleGAN-XL's too) whose transform can be set. */
export function hasInputTransform(G: GeneratorLike): G is StyleGAN3Generator | StyleGANXLGenerator {
  return G instanceof StyleGAN3Generator || G instanceof StyleGANXLGenerator;
}

/** Moves the images of `G` by `translate` (image widths) and turns them by `rotate` degrees. */
export function setTranslateRotate(G: GeneratorLike, translate: [number, number], rotate: number): void {
  if (!hasInputTransform(G)) {
    if (translate[0] === 0 && translate[1] === 0 && rotate === 0) return;
    throw new Error(`--translate / --rotate need a StyleGAN3 or StyleGAN-XL network (this one is '${G.cfg.arch}')`);
  }
  setInputTransform(G.synthesis.input.transform, inputTransform(translate, rotate));
}
