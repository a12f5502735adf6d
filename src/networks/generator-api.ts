/**
 * What sampling code needs from any generator (our `stylegan` Generator, the StyleGAN2
 * generator): z -> ws -> images, with the truncation trick and a noise mode.
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface GeneratorMappingOptions {
  /** w' = w_avg + psi (w - w_avg); 1 = off. */
  truncationPsi?: number;
  /** Truncate only styles [0, cutoff); undefined = all. */
  truncationCutoff?: number;
  /** Labels [N, cDim] for a conditional network (cDim > 0); ignored otherwise. */
  c?: tf.Tensor2D;
  /** StyleGAN-XL's multimodal truncation: truncate towards the nearest of these [K, wDim] instead of w_avg (other archs refuse it). */
  centroids?: tf.Tensor2D;
}

export interface GeneratorSynthesisOptions {
  noiseMode?: 'const' | 'random' | 'none';
  noiseSeed?: number;
}

export type GeneratorForwardOptions = GeneratorMappingOptions & GeneratorSynthesisOptions;

export interface GeneratorLike {
  readonly cfg: { readonly arch: string; readonly zDim: number; readonly wDim: number; readonly cDim: number; readonly imgResolution: number; readonly imgChannels: number };
  readonly numWs: number;
  /** false: z goes straight into the generator (the baseline GANs, VAE, AAE): no truncation, mixing or W walks. */
  readonly hasWSpace?: boolean;
  /** z [N, zDim] -> ws [N, numWs, wDim]. */
  mappingForward(z: tf.Tensor2D, opts?: GeneratorMappingOptions): tf.Tensor3D;
  readonly synthesis: { forward(ws: tf.Tensor3D, opts?: GeneratorSynthesisOptions): tf.Tensor4D };
  /** z [N, zDim] -> images [N, R, R, C] in about [-1, 1]. */
  forward(z: tf.Tensor2D, opts?: GeneratorForwardOptions): tf.Tensor4D;
  dispose(): void;
}
