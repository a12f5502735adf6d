/**
 * `generate --projected-w`: the official projector's output (projected_w.npz, key 'w',
 * [rows, numWs, wDim]) through G.synthesis, one image per row, as NVIDIA's generate.py.
 * Browser-safe (no Node imports).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorLike, GeneratorSynthesisOptions } from '../networks/generator-api.js';
import { parseNpz } from '../io/npy.js';
import type { GeneratedImage } from './generate.js';

export interface ProjectedWs {
  data: Float32Array;
  /** [rows, numWs, wDim]. */
  shape: [number, number, number];
}

/**
 * Key 'w' of a projected_w.npz, checked against G's [numWs, wDim] (generate.py asserts the same).
 * StyleGAN-XL's run_inversion.py stores one w per row, [N, 1, wDim]: it is repeated over the styles, as that script does.
 */
export function readProjectedWs(bytes: Uint8Array, source: string, numWs: number, wDim: number): ProjectedWs {
  const arrays = parseNpz(bytes, source);
  const w = arrays.w;
  if (!w) throw new Error(`${source}: no array 'w' (has ${Object.keys(arrays).join(', ') || 'none'}); expected the projector's projected_w.npz`);
  const s = w.shape;
  if (s.length !== 3 || (s[1] !== numWs && s[1] !== 1) || s[2] !== wDim || s[0] < 1) {
    throw new Error(`${source}: w is [${s.join(', ')}], expected [N, ${numWs}, ${wDim}] (or [N, 1, ${wDim}]) for this network`);
  }
  if (!(w.data instanceof Float32Array || w.data instanceof Float64Array)) throw new Error(`${source}: w must be float32 or float64`);
  const data = Float32Array.from(w.data);
  if (s[1] === numWs) return { data, shape: [s[0], s[1], s[2]] };
  const out = new Float32Array(s[0] * numWs * wDim);
  for (let i = 0; i < s[0]; i++) for (let k = 0; k < numWs; k++) out.set(data.subarray(i * wDim, (i + 1) * wDim), (i * numWs + k) * wDim);
  return { data: out, shape: [s[0], numWs, wDim] };
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
