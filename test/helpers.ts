/** Shared test set-up: the default Node backend (what users get: native when built) and tiny configs. */
import assert from 'node:assert/strict';
import { initNodeBackend } from '../src/backend/node.js';
import type { RawTensor } from '../src/networks/params.js';
import type { DataInfo } from '../src/training/trainer-base.js';
import { defaultConfig, type StyleGANConfig } from '../src/networks/stylegan/config.js';

export async function setup(): Promise<void> {
  await initNodeBackend(undefined, true);
}

/** A few thousand parameters: 16 px, 8 channels, 16-d latents. */
export function tinyConfig(over: Partial<StyleGANConfig> = {}): StyleGANConfig {
  return defaultConfig({ zDim: 16, wDim: 16, mappingFmaps: 16, mappingLayers: 2, imgResolution: 16, channelBase: 64, channelMax: 8, ...over });
}

/** Deterministic uniform RNG for tests (mulberry32). */
export function testRandom(seed = 1): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** `count` fixed random images at `res` px; the sampler honours indices and x-flips like the real data set. */
export function tinyData(res: number, count: number): DataInfo {
  const px = res * res * 3, rand = testRandom(7);
  const images = Float32Array.from({ length: count * px }, () => rand() * 2 - 1);
  return {
    numImages: count, mirror: true,
    sample: (idx, flips) => {
      const out = new Float32Array(idx.length * px);
      idx.forEach((k, i) => {
        for (let y = 0; y < res; y++) for (let x = 0; x < res; x++) for (let c = 0; c < 3; c++) {
          out[i * px + (y * res + x) * 3 + c] = images[k * px + (y * res + (flips[i] ? res - 1 - x : x)) * 3 + c];
        }
      });
      return out;
    },
  };
}

/** Bit-identical: compares the float32 bit patterns, so -0 / NaN payloads count too. */
export function assertSameBits(a: Record<string, Record<string, RawTensor>>, b: Record<string, Record<string, RawTensor>>): void {
  for (const mod of Object.keys(a)) {
    assert.deepEqual(Object.keys(b[mod]), Object.keys(a[mod]));
    for (const [k, t] of Object.entries(a[mod])) {
      const x = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length), y = b[mod][k].data;
      assert.deepEqual(new Uint32Array(y.buffer, y.byteOffset, y.length), x, `${mod}.${k} differs`);
    }
  }
}
