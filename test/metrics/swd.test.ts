/** Sliced Wasserstein distance against the NumPy/SciPy port of NVIDIA's sliced_wasserstein.py. */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { setup } from '../helpers.js';
import { RandomState } from '../../src/sampling/rng.js';
import { SwdDescriptors, swdFromDescriptors, pyrDown, pyrUp, laplacianPyramid, swdResolutions, floatToUint8Range } from '../../src/metrics/swd.js';

const REF = JSON.parse(fs.readFileSync(new URL('./fixtures/reference.json', import.meta.url), 'utf8')).swd;
const u8 = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

test.before(setup);

function swdOf(reals: Uint8Array, fakes: Uint8Array, res: number, batches: number[], seed: number) {
  const rng = new RandomState(seed);
  const collect = (images: Uint8Array) => {
    const d = new SwdDescriptors(res, rng);
    let start = 0;
    const size = res * res * 3;
    for (const b of batches) {
      d.feed(images.subarray(start * size, (start + b) * size), b);
      start += b;
    }
    return d.finalize();
  };
  const real = collect(reals);
  const fake = collect(fakes);
  return swdFromDescriptors(real, fake, swdResolutions(res), rng);
}

test('SWD per level and average match the reference implementation (same RandomState draws)', async () => {
  const r = await swdOf(u8(REF.reals), u8(REF.fakes), REF.resolution, REF.batches, REF.seed);
  assert.deepEqual(r.levels.map((l) => l.resolution), REF.resolutions);
  r.levels.forEach((l, i) => assert.ok(Math.abs(l.swd - REF.levels[i]) < 1e-4 * REF.levels[i], `level ${l.resolution}: ${l.swd} vs ${REF.levels[i]}`));
  assert.ok(Math.abs(r.avg - REF.avg) < 1e-4 * REF.avg, `avg ${r.avg} vs ${REF.avg}`);
});

/** n blocky 32x32 images with mild noise (as the fixture's), or pure noise when noisy. */
function images(n: number, rng: RandomState, noisy: boolean, jitter = 20): Uint8Array {
  const out = new Uint8Array(n * 32 * 32 * 3);
  for (let b = 0; b < n; b++) {
    const blocks = Array.from({ length: 8 * 8 * 3 }, () => rng.randomInterval(255));
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 3; c++) {
      const v = noisy ? rng.randomInterval(255) : blocks[((y >> 2) * 8 + (x >> 2)) * 3 + c] + (jitter ? rng.randomInterval(2 * jitter) - jitter : 0);
      out[((b * 32 + y) * 32 + x) * 3 + c] = Math.max(0, Math.min(255, v));
    }
  }
  return out;
}

test('SWD: 0 for identical sets, and grows with the amount of added noise', async () => {
  const rng = new RandomState(2);
  const reals = images(8, rng, false);
  const noisy = (amp: number) => reals.map((v) => Math.max(0, Math.min(255, v + Math.round((rng.randomSample() - 0.5) * 2 * amp))));
  // The same neighbourhood positions on both sides (equal seeds) remove the sampling floor,
  // so the distance reflects only the images.
  const desc = (images: Uint8Array) => {
    const d = new SwdDescriptors(32, new RandomState(1));
    d.feed(images, 8);
    return d.finalize();
  };
  const base = desc(reals);
  const swd = async (images: Uint8Array) => (await swdFromDescriptors(base, desc(images), [32, 16], new RandomState(3))).avg;
  assert.equal(await swd(reals), 0);
  const small = await swd(noisy(5)), large = await swd(noisy(60));
  assert.ok(small > 0 && large > 3 * small, `noise 60: ${large}, noise 5: ${small}`);
});

test('pyramid: pyrDown of a constant is constant, the Laplacian levels reconstruct the image', () => {
  const c = new Float32Array(2 * 8 * 8).fill(7);
  assert.ok(pyrDown(c, 2, 8).every((v) => Math.abs(v - 7) < 1e-6));
  const rng = new RandomState(1);
  const x = Float32Array.from(rng.randn(3 * 16 * 16));
  const [l0, l1] = laplacianPyramid(x, 3, 16, 2);
  const up = pyrUp(l1, 3, 8);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(l0[i] + up[i] - x[i]) < 1e-5);
  assert.deepEqual(swdResolutions(64), [64, 32, 16]);
  assert.deepEqual(swdResolutions(8), []);
  assert.deepEqual(Array.from(floatToUint8Range(Float32Array.of(-1, 1, 0, -2, 3, 2.5 / 127.5 - 1))), [0, 255, 128, 0, 255, 2]);
});
