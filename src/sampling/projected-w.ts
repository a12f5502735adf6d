/**
 * `generate --projected-w`: the official projector's output (projected_w.npz, key 'w',
 * [rows, numWs, wDim]) through G.synthesis, one image per row, as NVIDIA's generate.py.
 * Browser-safe (no Node imports).
 */
import * as tf from '@tensorflow/tfjs';
import type { GeneratorLike, GeneratorSynthesisOptions } from '../networks/generator-api.js';
import { parseNpz } from '../io/npy.js';
import type { GeneratedImage } from './generate.js';

export interface ProjectedWs {
  data: Float32Array;
  /** [rows, numWs, wDim]. */
  shape: [number, number, number];
}

/** Key 'w' of a projected_w.npz, checked against G's [numWs, wDim] (generate.py asserts the same). */
export function readProjectedWs(bytes: Uint8Array, source: string, numWs: number, wDim: number): ProjectedWs {
  const arrays = parseNpz(bytes, source);
  const w = arrays.w;
  if (!w) throw new Error(`${source}: no array 'w' (has ${Object.keys(arrays).join(', ') || 'none'}); expected the projector's projected_w.npz`);
  const s = w.shape;
  if (s.length !== 3 || s[1] !== numWs || s[2] !== wDim || s[0] < 1) {
    throw new Error(`${source}: w is [${s.join(', ')}], expected [N, ${numWs}, ${wDim}] for this network`);
  }
  if (!(w.data instanceof Float32Array || w.data instanceof Float64Array)) throw new Error(`${source}: w must be float32 or float64`);
  return { data: Float32Array.from(w.data), shape: [s[0], s[1], s[2]] };
}

/** One image per row of ws (each synthesized alone, as generate.py). Noise 'const' by default. */
export async function synthesizeProjected(G: GeneratorLike, ws: ProjectedWs, opts: GeneratorSynthesisOptions = {}): Promise<GeneratedImage[]> {
  const [rows, numWs, wDim] = ws.shape, r = G.cfg.imgResolution;
  const out: GeneratedImage[] = [];
  for (let i = 0; i < rows; i++) {
    const img = tf.tidy(() => {
      const w = tf.tensor3d(ws.data.subarray(i * numWs * wDim, (i + 1) * numWs * wDim), [1, numWs, wDim]);
      return G.synthesis.forward(w, { noiseMode: 'const', ...opts });
    });
    const data = (await img.data()) as Float32Array;
    img.dispose();
    out.push({ seed: i, data, resolution: r });
  }
  return out;
}
