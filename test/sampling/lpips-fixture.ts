/** Random LPIPS-VGG16 weights of the real topology but few channels, with lpips' state_dict names. */
import type { NpzEntry } from '../../src/io/npy.js';
import { testRandom } from '../helpers.js';

export const CONVS = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];
const SLICE_END = [3, 8, 15, 22, 29];
export function narrowLpipsArrays(width = [3, 3, 4, 4, 5, 5, 5, 6, 6, 6, 4, 4, 4], seed = 1): Record<string, NpzEntry & { data: Float32Array }> {
  const rnd = testRandom(seed);
  const normal = (n: number, s: number) => Float32Array.from({ length: n }, () => (rnd() + rnd() + rnd() - 1.5) * 2 * s);
  const out: Record<string, NpzEntry & { data: Float32Array }> = {};
  let cin = 3;
  CONVS.forEach((idx, i) => {
    const slice = SLICE_END.findIndex((e) => idx <= e) + 1;
    const o = width[i];
    out[`net.slice${slice}.${idx}.weight`] = { data: normal(o * cin * 9, Math.sqrt(2 / (cin * 9))), shape: [o, cin, 3, 3] };
    out[`net.slice${slice}.${idx}.bias`] = { data: normal(o, 0.1), shape: [o] };
    cin = o;
  });
  [1, 3, 6, 9, 12].forEach((tap, k) => {
    out[`lin${k}.model.1.weight`] = { data: Float32Array.from(normal(width[tap], 1), Math.abs), shape: [1, width[tap], 1, 1] };
  });
  out['scaling_layer.shift'] = { data: Float32Array.from([-0.03, -0.088, -0.188]), shape: [1, 3, 1, 1] };
  return out;
}

