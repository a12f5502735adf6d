/**
 * The playground's generator: seed A (and B) -> mapping -> truncation -> interpolation and style
 * mixing in W -> synthesis with scaled stored or re-rolled noise -> RGBA pixels. Uses the same
 * library code as `stylegan generate`, so with noise strength 1, no mixing and no interpolation
 * an image is the CLI's image for that seed.
 */
import * as tf from '@tensorflow/tfjs';
import type { Generator } from '../../src/networks/generator.js';
import { blockResolutions } from '../../src/networks/config.js';
import { seedsToZ } from '../../src/sampling/generate.js';
import { RandomState } from '../../src/sampling/rng.js';
import { toUint8 } from '../../src/data/uint8.js';

export interface RenderParams {
  seedA: number;
  seedB: number;
  /** Truncation psi (1 = off). */
  psi: number;
  /** Truncate only styles [0, cutoff); undefined = all. */
  cutoff?: number;
  /** Interpolation A -> B in W, 0 = A. */
  t: number;
  /** Per style layer: take it from seed B (style mixing). */
  mix: boolean[];
  /** Scale of the noise maps (1 = as trained). */
  noiseStrength: number;
  /** 0: the network's stored noise maps (as generate.py's noise_mode=const); else a re-roll seed. */
  noiseSeed: number;
}

export interface StyleLayer {
  index: number;
  res: number;
  group: 'coarse' | 'middle' | 'fine';
}

/** Paper sec. 3.1: coarse 4-8 px, middle 16-32 px, fine 64 px and up. */
export function styleLayers(G: Generator): StyleLayer[] {
  return blockResolutions(G.cfg).flatMap((res, b) => [0, 1].map((k) => ({
    index: 2 * b + k, res, group: res <= 8 ? 'coarse' as const : res <= 32 ? 'middle' as const : 'fine' as const,
  })));
}

export class Engine {
  readonly layers: StyleLayer[];
  private noiseKey = '';
  private noise: tf.Tensor4D[] | undefined;

  constructor(readonly G: Generator) {
    this.layers = styleLayers(G);
  }

  get resolution(): number {
    return this.G.cfg.imgResolution;
  }

  /** Explicit noise maps for a strength and re-roll seed; undefined = the stored maps as they are. */
  private noiseFor(p: RenderParams): tf.Tensor4D[] | undefined {
    if (p.noiseStrength === 1 && p.noiseSeed === 0) {
      this.dropNoise();
      return undefined;
    }
    const key = `${p.noiseStrength}/${p.noiseSeed}`;
    if (key === this.noiseKey && this.noise) return this.noise;
    this.dropNoise();
    const rng = p.noiseSeed === 0 ? undefined : new RandomState(p.noiseSeed);
    this.noise = this.layers.map((l) => tf.tidy(() => {
      const base = rng
        ? tf.tensor4d(Float32Array.from(rng.randn(l.res * l.res)), [1, l.res, l.res, 1])
        : this.G.store.get(`synthesis.b${l.res}.conv${l.index % 2}.noiseConst`);
      return tf.mul(base, p.noiseStrength) as tf.Tensor4D;
    }));
    this.noiseKey = key;
    return this.noise;
  }

  private dropNoise(): void {
    this.noise?.forEach((t) => t.dispose());
    this.noise = undefined;
    this.noiseKey = '';
  }

  /** [R, R, 3] floats in about [-1, 1]. */
  private forward(p: RenderParams): tf.Tensor4D {
    const noise = this.noiseFor(p);
    return tf.tidy(() => {
      const mixing = p.mix.some(Boolean);
      const needB = mixing || p.t > 0;
      // Seed A alone goes through the mapping as a batch of one, exactly as generateImages does.
      const wsA = this.G.mappingForward(seedsToZ([p.seedA], this.G.cfg.zDim), { truncationPsi: p.psi, truncationCutoff: p.cutoff });
      let ws = wsA;
      if (needB) {
        const wsB = this.G.mappingForward(seedsToZ([p.seedB], this.G.cfg.zDim), { truncationPsi: p.psi, truncationCutoff: p.cutoff });
        if (p.t > 0) ws = tf.add(wsA, tf.mul(tf.sub(wsB, wsA), p.t));
        if (mixing) {
          const mask = tf.tensor3d(p.mix.map((m) => (m ? 1 : 0)), [1, p.mix.length, 1], 'int32');
          ws = tf.where(tf.cast(tf.broadcastTo(mask, ws.shape), 'bool'), wsB, ws);
        }
      }
      return this.G.synthesis.forward(ws as tf.Tensor3D, noise ? { noise } : { noiseMode: 'const' });
    });
  }

  /** RGBA pixels of one image. */
  async render(p: RenderParams): Promise<ImageData> {
    const img = this.forward(p);
    try {
      const rgb = toUint8((await img.data()) as Float32Array);
      const r = this.resolution;
      const c = this.G.cfg.imgChannels;
      const rgba = new Uint8ClampedArray(r * r * 4);
      // Grey networks (1 channel) repeat it; RGB copies; extra channels are ignored.
      for (let i = 0, j = 0; j < rgba.length; i += c, j += 4) {
        rgba[j] = rgb[i];
        rgba[j + 1] = rgb[i + Math.min(1, c - 1)];
        rgba[j + 2] = rgb[i + Math.min(2, c - 1)];
        rgba[j + 3] = 255;
      }
      return new ImageData(rgba, r, r);
    } finally {
      img.dispose();
    }
  }
}
