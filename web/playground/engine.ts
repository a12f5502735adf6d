/**
 * The playground's generator: seed A (and B) -> mapping -> truncation -> interpolation and style
 * mixing in W -> synthesis with scaled stored or re-rolled noise -> RGBA pixels. Works on any
 * arch the library loads (StyleGAN, StyleGAN2, the baselines: z interpolation only) through the same code as `stylegan generate`, so
 * with noise strength 1, no mixing and no interpolation an image is the CLI's image for that seed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorLike } from '../../src/networks/generator-api.js';
import type { ParamStore } from '../../src/networks/params.js';
import { seedsToZ } from '../../src/sampling/generate.js';
import { toUint8For } from '../../src/data/uint8.js';
import { hasInputTransform, setTranslateRotate } from '../../src/sampling/input-transform.js';

export interface RenderParams {
  seedA: number;
  seedB: number;
  /** Truncation psi (1 = off). */
  psi: number;
  /** Truncate only styles [0, cutoff); undefined = all. */
  cutoff?: number;
  /** Class of a conditional network (cDim > 0). */
  cls?: number;
  /** Interpolation A -> B in W, 0 = A. */
  t: number;
  /** Per style layer: take it from seed B (style mixing). */
  mix: boolean[];
  /** Scale of the noise inputs (1 = as trained). */
  noiseStrength: number;
  /** 0: the network's stored noise maps (generate.py's noise_mode=const); else a re-roll seed. */
  noiseSeed: number;
  /** StyleGAN3: move the image (image widths) and turn it (degrees), as gen_images.py --translate / --rotate. */
  translate?: [number, number];
  rotate?: number;
}

export interface StyleLayer {
  index: number;
  res: number;
  group: 'coarse' | 'middle' | 'fine';
}

/**
 * The resolution each style input drives. StyleGAN: two per block from 4 px. StyleGAN2: one at
 * 4 px, then two per block, the last also feeding the final toRGB.
 */
export function styleLayers(G: GeneratorLike): StyleLayer[] {
  const offset = G.cfg.arch === 'stylegan2' ? 1 : 0;
  return Array.from({ length: G.numWs }, (_, index) => {
    const res = Math.min(G.cfg.imgResolution, 2 ** (Math.floor((index + offset) / 2) + 2));
    // Paper sec. 3.1: coarse 4-8 px, middle 16-32 px, fine 64 px and up.
    return { index, res, group: res <= 8 ? 'coarse' as const : res <= 32 ? 'middle' as const : 'fine' as const };
  });
}

export class Engine {
  readonly layers: StyleLayer[];
  readonly store: ParamStore;
  /** The trained per-layer noise strengths, to scale from and restore exactly. */
  private readonly strengths: Array<[tf.Variable, tf.Tensor]>;
  private strength = 1;

  constructor(readonly G: GeneratorLike) {
    this.layers = styleLayers(G);
    // Both generator classes keep their weights in a ParamStore; the common interface does not say so.
    this.store = (G as unknown as { store: ParamStore }).store;
    this.strengths = this.store.entries().filter(([name]) => name.endsWith('.noiseStrength')).map(([, v]) => [v, tf.clone(v)]);
  }

  /** StyleGAN3: the input transform can move and turn the image. */
  get transformable(): boolean {
    return hasInputTransform(this.G);
  }

  get resolution(): number {
    return this.G.cfg.imgResolution;
  }

  private setNoiseStrength(s: number): void {
    if (s === this.strength) return;
    for (const [v, trained] of this.strengths) tf.tidy(() => v.assign(s === 1 ? trained : tf.mul(trained, s)));
    this.strength = s;
  }

  private prepare(p: RenderParams): void {
    this.setNoiseStrength(p.noiseStrength);
    if (this.transformable) setTranslateRotate(this.G, p.translate ?? [0, 0], p.rotate ?? 0);
  }

  /** Mapping options for n images: truncation (W-space networks only) and the one-hot class. */
  private mappingOpts(p: RenderParams, n: number) {
    const { cDim } = this.G.cfg;
    const c = cDim > 0 ? (tf.cast(tf.oneHot(tf.fill([n], Math.min(cDim - 1, p.cls ?? 0), 'int32') as tf.Tensor1D, cDim), 'float32') as tf.Tensor2D) : undefined;
    // Networks without W space (the baselines) take z as is: no truncation, no style mixing.
    return { truncationPsi: this.G.hasWSpace !== false ? p.psi : 1, truncationCutoff: p.cutoff, c };
  }

  private noise(p: RenderParams) {
    return p.noiseSeed === 0 ? { noiseMode: 'const' as const } : { noiseMode: 'random' as const, noiseSeed: p.noiseSeed };
  }

  /** [1, R, R, C] floats in about [-1, 1]. */
  private forward(p: RenderParams): tf.Tensor4D {
    this.prepare(p);
    return tf.tidy(() => {
      const { zDim } = this.G.cfg;
      const opts = this.mappingOpts(p, 1);
      const mixing = this.G.hasWSpace !== false && p.mix.some(Boolean);
      // Seed A alone goes through the mapping as a batch of one, exactly as generateImages does.
      const wsA = this.G.mappingForward(seedsToZ([p.seedA], zDim), opts);
      let ws = wsA;
      if (mixing || p.t > 0) {
        const wsB = this.G.mappingForward(seedsToZ([p.seedB], zDim), opts);
        if (p.t > 0) ws = tf.add(wsA, tf.mul(tf.sub(wsB, wsA), p.t));
        if (mixing) {
          const mask = tf.tensor3d(p.mix.map((m) => (m ? 1 : 0)), [1, p.mix.length, 1], 'int32');
          ws = tf.where(tf.cast(tf.broadcastTo(mask, ws.shape), 'bool'), wsB, ws);
        }
      }
      return this.G.synthesis.forward(ws as tf.Tensor3D, this.noise(p));
    });
  }

  /** uint8 RGB of a batch of images, each family as its official script writes PNGs. */
  private async pixels(img: tf.Tensor4D): Promise<Uint8Array> {
    try {
      return toUint8For(this.G.cfg.arch)((await img.data()) as Float32Array);
    } finally {
      img.dispose();
    }
  }

  /** Copies image k of a uint8 [N, R, R, C] batch into an RGBA buffer `width` pixels wide at (x0, y0). */
  private blit(rgb: Uint8Array, k: number, rgba: Uint8ClampedArray, width: number, x0: number, y0: number): void {
    const r = this.resolution, c = this.G.cfg.imgChannels;
    for (let y = 0; y < r; y++) {
      for (let x = 0; x < r; x++) {
        const i = ((k * r + y) * r + x) * c, j = ((y0 + y) * width + x0 + x) * 4;
        // Grey networks (1 channel) repeat it; RGB copies; extra channels are ignored.
        rgba[j] = rgb[i];
        rgba[j + 1] = rgb[i + Math.min(1, c - 1)];
        rgba[j + 2] = rgb[i + Math.min(2, c - 1)];
        rgba[j + 3] = 255;
      }
    }
  }

  /** RGBA pixels of one image. */
  async render(p: RenderParams): Promise<ImageData> {
    const r = this.resolution, rgba = new Uint8ClampedArray(r * r * 4);
    this.blit(await this.pixels(this.forward(p)), 0, rgba, r, 0, 0);
    return new ImageData(rgba, r, r);
  }

  /**
   * RGBA pixels of a grid of seeds, `cols` wide, row by row: each image as `stylegan generate
   * --seeds` makes it with the page's truncation, class and noise (no mixing or interpolation:
   * a random sample of the network, which is what a baseline offers). Runs `chunk` seeds at a
   * time so large networks fit in the browser's memory.
   */
  async renderGrid(seeds: number[], p: RenderParams, cols: number, chunk = 4): Promise<ImageData> {
    const r = this.resolution, rows = Math.ceil(seeds.length / cols), width = cols * r;
    const rgba = new Uint8ClampedArray(width * rows * r * 4);
    for (let i = 0; i < seeds.length; i += chunk) {
      const part = seeds.slice(i, i + chunk);
      this.prepare(p);
      const img = tf.tidy(() => this.G.synthesis.forward(this.G.mappingForward(seedsToZ(part, this.G.cfg.zDim), this.mappingOpts(p, part.length)) as tf.Tensor3D, this.noise(p)));
      const rgb = await this.pixels(img);
      part.forEach((_, k) => this.blit(rgb, k, rgba, width, ((i + k) % cols) * r, Math.floor((i + k) / cols) * r));
    }
    return new ImageData(rgba, width, rows * r);
  }
}
