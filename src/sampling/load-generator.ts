/**
 * One entry point for every family: the bytes of any network file this package reads (our
 * .safetensors checkpoint; NVIDIA's TF StyleGAN / StyleGAN2, stylegan2-ada-pytorch, stylegan3 and
 * StyleGAN-XL pickles; rosinality's .pt) -> G_ema as a ready {@link GeneratorLike}. Browser-safe.
 */
import type { GeneratorLike } from '../networks/generator-api.js';
import { readNetworkBytes } from '../io/network-bytes.js';
import { networkFromSnapshot } from './generate.js';

/** G_ema of a network file's bytes; `source` names it in errors. */
export function loadGenerator(bytes: Uint8Array, source = 'network'): GeneratorLike {
  return networkFromSnapshot(readNetworkBytes(bytes, source), source);
}
