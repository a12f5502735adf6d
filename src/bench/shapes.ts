/**
 * The 3x3 convolutions a StyleGAN preset runs (G's synthesis blocks and D's blocks), the shapes
 * the benchmark times the conv kernels on.
 */
import { blockResolutions, channelsAt, type StyleGANConfig } from '../networks/stylegan/config.js';

export interface ConvShape {
  /** Input [N, H, W, Ci]. */
  x: [number, number, number, number];
  /** Filter [3, 3, Ci, Co]. */
  filter: [number, number, number, number];
  /** Where it comes from, e.g. 'G 16px conv0'. */
  where: string;
}

/** Distinct stride-1 'same' 3x3 convs of G and D for a batch of `batch`. */
export function networkConvShapes(cfg: StyleGANConfig, batch: number, tag = ''): ConvShape[] {
  const out = new Map<string, ConvShape>();
  const add = (r: number, ci: number, co: number, where: string) => {
    const key = `${r}:${ci}:${co}`;
    if (!out.has(key)) out.set(key, { x: [batch, r, r, ci], filter: [3, 3, ci, co], where: `${tag}${where}` });
  };
  for (const r of blockResolutions(cfg)) {
    const c = channelsAt(cfg, r);
    // G: conv0 after the 2x upsample (from the previous block's channels) and conv1; 4 px has one conv.
    if (r > 4) add(r, channelsAt(cfg, r / 2), c, `G ${r}px conv0`);
    add(r, c, c, `G ${r}px conv1`);
    // D: conv0 keeps the channels, conv1 (before the 2x downsample) goes to the next block's.
    if (r > 4) add(r, c, channelsAt(cfg, r / 2), `D ${r}px conv1`);
  }
  return [...out.values()];
}

export const convFlops = (s: ConvShape) => 2 * s.x[0] * s.x[1] * s.x[2] * 9 * s.filter[2] * s.filter[3];
