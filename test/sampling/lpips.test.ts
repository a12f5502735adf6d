import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { setup, testRandom } from '../helpers.js';
import { encodeNpz } from '../../src/io/npy.js';
import { narrowLpipsArrays, CONVS } from './lpips-fixture.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { loadLpipsWeights, lpips, lpipsDistance, disposeLpips } from '../../src/sampling/lpips.js';

before(setup);

/** Plain-loop LPIPS straight from the torch layouts (NCHW-free: images as [H][W][C] arrays). */
function referenceLpips(arrays: ReturnType<typeof narrowLpipsArrays>, a: Float32Array, b: Float32Array, r: number): number {
  const shift = [-0.03, -0.088, -0.188], scale = [0.458, 0.448, 0.45];
  const feats = (img: Float32Array) => {
    let h = r, c = 3;
    let x = Float64Array.from(img, (v, i) => (v - shift[i % 3]) / scale[i % 3]);
    const taps: Array<{ x: Float64Array; h: number; c: number }> = [];
    CONVS.forEach((idx, li) => {
      const key = Object.keys(arrays).find((k) => k.endsWith(`.${idx}.weight`))!;
      const W = arrays[key].data, B = arrays[key.replace('weight', 'bias')].data, o = arrays[key].shape[0];
      const y = new Float64Array(h * h * o);
      for (let py = 0; py < h; py++) for (let px = 0; px < h; px++) for (let oc = 0; oc < o; oc++) {
        let s = B[oc];
        for (let ic = 0; ic < c; ic++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
          const yy = py + ky - 1, xx = px + kx - 1;
          if (yy < 0 || xx < 0 || yy >= h || xx >= h) continue;
          s += W[((oc * c + ic) * 3 + ky) * 3 + kx] * x[(yy * h + xx) * c + ic];
        }
        y[(py * h + px) * o + oc] = Math.max(0, s);
      }
      x = y; c = o;
      if ([1, 3, 6, 9, 12].includes(li)) {
        taps.push({ x, h, c });
        if (li !== 12) {
          const p = new Float64Array((h / 2) * (h / 2) * c);
          for (let py = 0; py < h / 2; py++) for (let px = 0; px < h / 2; px++) for (let ch = 0; ch < c; ch++) {
            p[(py * (h / 2) + px) * c + ch] = Math.max(...[0, 1].flatMap((dy) => [0, 1].map((dx) => x[((2 * py + dy) * h + 2 * px + dx) * c + ch])));
          }
          x = p; h /= 2;
        }
      }
    });
    return taps;
  };
  const fa = feats(a), fb = feats(b);
  let total = 0;
  fa.forEach(({ x: xa, h, c }, k) => {
    const xb = fb[k].x, lin = arrays[`lin${k}.model.1.weight`].data;
    let s = 0;
    for (let p = 0; p < h * h; p++) {
      let na = 0, nb = 0;
      for (let ch = 0; ch < c; ch++) { na += xa[p * c + ch] ** 2; nb += xb[p * c + ch] ** 2; }
      na = Math.sqrt(na) + 1e-10; nb = Math.sqrt(nb) + 1e-10;
      for (let ch = 0; ch < c; ch++) s += lin[ch] * (xa[p * c + ch] / na - xb[p * c + ch] / nb) ** 2;
    }
    total += s / (h * h);
  });
  return total;
}

test('LPIPS-VGG16 matches a plain-loop reference computed from the torch (OIHW) weights', () => {
  const arrays = narrowLpipsArrays();
  const w = loadLpipsWeights(encodeNpz(arrays), 'narrow.npz');
  const rnd = testRandom(7);
  const a = Float32Array.from({ length: 16 * 16 * 3 }, () => rnd() * 2 - 1);
  const b = Float32Array.from(a, (v) => Math.max(-1, Math.min(1, v + (rnd() - 0.5) * 0.6)));
  const got = lpips(w, tf.tensor4d(a, [1, 16, 16, 3]), tf.tensor4d(b, [1, 16, 16, 3])).dataSync()[0];
  const want = referenceLpips(arrays, a, b, 16);
  assert.ok(want > 1e-3, `reference ${want}`);
  assert.ok(Math.abs(got - want) / want < 1e-3, `got ${got}, want ${want}`);
  assert.equal(lpips(w, tf.tensor4d(a, [1, 16, 16, 3]), tf.tensor4d(a, [1, 16, 16, 3])).dataSync()[0], 0);
  // The distance is differentiable in the synthesised image.
  const d = lpipsDistance(w, tf.tensor4d(a, [1, 16, 16, 3]));
  const g = tf.grad((x) => d.distance(x as tf.Tensor4D))(tf.tensor4d(b, [1, 16, 16, 3]));
  const gmax = tf.max(tf.abs(g)).dataSync()[0];
  assert.ok(gmax > 0, `gradient ${gmax}`);
  d.dispose();
  disposeLpips(w);
});

test('LPIPS weights load from .safetensors with torchvision names too; wrong files are clear errors', () => {
  const arrays = narrowLpipsArrays();
  const renamed: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const [k, v] of Object.entries(arrays)) renamed[k.replace(/^net\.slice\d\./, 'features.')] = { dtype: 'F32', shape: [...v.shape], data: v.data };
  const w = loadLpipsWeights(encodeSafetensors(renamed), 'narrow.safetensors');
  assert.equal(w.convs.length, 13);
  disposeLpips(w);
  const noLin = Object.fromEntries(Object.entries(arrays).filter(([k]) => !k.startsWith('lin')));
  assert.throws(() => loadLpipsWeights(encodeNpz(noLin), 'vgg.npz'), /missing LPIPS lin0.*not plain VGG16.*lpips.LPIPS/);
  const torchScript = encodeNpz({ 'archive/data.pkl': { data: new Uint8Array([1]), shape: [1] } });
  assert.throws(() => loadLpipsWeights(torchScript, 'vgg16.pt'), /missing VGG16 conv/);
});
