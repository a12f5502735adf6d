/**
 * StyleGAN-XL's multimodal truncation centroids (gen_images.py --centroids-path, e.g. the
 * published imagenet_centroids.npy: k-means centres of many ws): a float .npy [K, wDim].
 * Each sample truncates towards the centroid nearest its w. Browser-safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import { parseNpy } from '../io/npy.js';

/** The centroids [K, wDim] of a .npy, checked against the network's wDim. */
export function readCentroids(bytes: Uint8Array, source: string, wDim: number): tf.Tensor2D {
  const a = parseNpy(bytes, source);
  const s = a.shape;
  if (s.length !== 2 || s[1] !== wDim || s[0] < 1) throw new Error(`${source}: centroids are [${s.join(', ')}], expected [K, ${wDim}] for this network`);
  if (!(a.data instanceof Float32Array || a.data instanceof Float64Array)) throw new Error(`${source}: centroids must be float32 or float64`);
  return tf.tensor2d(Float32Array.from(a.data), [s[0], s[1]]);
}
