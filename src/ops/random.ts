/**
 * Standard normal noise for unseeded draws (StyleGAN's per-pixel noise while training, ~100k
 * values a step at 32 px): xoshiro128** and Box-Muller in plain JS, ~10x faster than
 * tf.randomNormal, whose seedable polar-method generator costs ~100 ns a value. Seeded draws keep
 * tf.randomNormal: its stream for a seed is the same on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';

// xoshiro128** state, seeded once per process from Math.random.
const s = Uint32Array.from({ length: 4 }, () => (Math.random() * 2 ** 32) >>> 0);
if (!(s[0] | s[1] | s[2] | s[3])) s[0] = 1;

function next(): number {
  const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
  const t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** Fills `out` with N(0, 1) samples. */
export function fillStandardNormal(out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    // u1 in (0, 1]: never log(0).
    const u1 = (next() + 1) / 2 ** 32, u2 = next() / 2 ** 32;
    const r = Math.sqrt(-2 * Math.log(u1)), a = 2 * Math.PI * u2;
    out[i] = r * Math.cos(a);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

/** N(0, 1) noise of `shape`: the fast generator when unseeded, tf.randomNormal(seed) otherwise. */
export function randomNormal(shape: number[], seed?: number): tf.Tensor {
  if (seed !== undefined) return tf.randomNormal(shape, 0, 1, 'float32', seed);
  return tf.tensor(fillStandardNormal(new Float32Array(tf.util.sizeFromShape(shape))), shape, 'float32');
}
