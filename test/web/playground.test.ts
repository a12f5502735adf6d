/**
 * `stylegan serve` end to end in headless chromium: the page loads a checkpoint made here,
 * the controls change the image, and the browser's image for a seed is the one
 * `generateImages` makes in Node for the same network, psi and stored noise.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setup, tinyConfig, testRandom } from '../helpers.js';
import { Generator } from '../../src/networks/stylegan/generator.js';
import { BaselineGenerator } from '../../src/networks/baselines/generator.js';
import { baselineConfig } from '../../src/networks/baselines/config.js';
import { encodeSnapshot } from '../../src/io/snapshot.js';
import { generateImages } from '../../src/sampling/generate.js';
import { toUint8 } from '../../src/data/uint8.js';
import { parseNpy } from '../../src/io/npy.js';
import { foreignRequests, launchBrowser, startCli, REPO } from './browser.js';
import type { Page } from 'playwright-core';

// The headless browser draws WebGL in software (SwiftShader): the first render compiles every
// shader, ~35 s for StyleGAN3 on an idle 2-core machine and more next to other tests.
const PAGE_LOAD_MS = 180_000;
const RENDER_MS = 60_000;

/** A tiny generator whose images depend on everything the page controls. */
function tinyNetwork(): Generator {
  const G = new Generator(tinyConfig(), testRandom(7));
  const rnd = testRandom(11);
  const gauss = (n: number, s: number) => Float32Array.from({ length: n }, () => s * (rnd() + rnd() + rnd() - 1.5) * 2);
  for (const [name, v] of G.store.entries()) {
    // Fresh networks have zero noise strengths, biases and w_avg: the noise and truncation
    // controls would then do nothing, so give them values.
    if (/noiseStrength$/.test(name)) v.assign(tf.tensor(gauss(v.size, 0.6), v.shape));
    else if (/(\.bias|w_avg)$/.test(name)) v.assign(tf.tensor(gauss(v.size, 0.3), v.shape));
  }
  return G;
}

/** RGB bytes of the page's canvas. */
async function canvasRgb(page: Page): Promise<Uint8Array> {
  const rgba = await page.evaluate(() => {
    const c = document.getElementById('image') as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  });
  return Uint8Array.from(rgba.filter((_, i) => i % 4 !== 3));
}

/** Runs an action and waits until the page has drawn after it and gone idle. */
async function afterRender(page: Page, action: () => Promise<void>): Promise<void> {
  const before = Number(await page.getAttribute('#image', 'data-renders'));
  await action();
  await page.waitForFunction((n) => {
    const c = document.getElementById('image')!;
    return Number(c.dataset.renders) > n && c.dataset.busy === '0';
  }, before, { timeout: RENDER_MS });
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('playground: controls redraw, and the browser image for a seed equals generateImages in Node', { timeout: 2 * PAGE_LOAD_MS }, async (t) => {
  await setup();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-pg-'));
  const G = tinyNetwork();
  const file = path.join(dir, 'tiny.safetensors');
  fs.writeFileSync(file, encodeSnapshot({ config: G.cfg, modules: { G_ema: G.store.toRaw() } }));
  const [ref] = await generateImages(G, [5], { truncationPsi: 0.7 });
  const expected = toUint8(ref.data);
  G.dispose();

  const server = await startCli(['serve', '--network', file]);
  const browser = await launchBrowser();
  try {
    const { page } = browser;
    await page.goto(server.url);
    await page.waitForSelector('#status[data-state=ready], #status[data-state=error]', { timeout: PAGE_LOAD_MS });
    assert.match(await page.textContent('#status') ?? '', /^Ready/, 'page failed to load');
    const first = await canvasRgb(page);
    const tensors = await page.getAttribute('#image', 'data-tensors');
    assert.equal(first.length, 16 * 16 * 3);

    await afterRender(page, () => page.fill('#psi', '0.7'));
    const truncated = await canvasRgb(page);
    assert.ok(maxDiff(first, truncated) > 10, 'moving the truncation slider did not change the image');

    await afterRender(page, () => page.fill('#seedA', '5'));
    const seed5 = await canvasRgb(page);
    const diff = maxDiff(seed5, expected);
    const backend = (await page.textContent('#status'))!.replace(/^Ready · /, '');
    assert.ok(diff <= 2, `browser image of seed 5 (${backend}) differs from Node's by ${diff} levels`);
    assert.match(await page.textContent('#latency') ?? '', /\d+(\.\d+)? ms on \w+/);
    const address = new URL(page.url()).searchParams;
    assert.deepEqual([address.get('seed'), address.get('psi'), address.get('t')], ['5', '0.7', null], 'the address does not follow the view');

    // The other controls each change the image, and going back restores it exactly.
    for (const [label, on, off] of [
      ['style mixing (coarse)', () => page.check('#mixCoarse'), () => page.uncheck('#mixCoarse')],
      ['interpolation', () => page.fill('#interp', '0.5'), () => page.fill('#interp', '0')],
      ['noise strength', () => page.fill('#noise', '0'), () => page.fill('#noise', '1')],
      ['noise re-roll', () => page.click('#reroll'), () => page.click('#noiseReset')],
    ] as const) {
      await afterRender(page, on);
      assert.ok(maxDiff(await canvasRgb(page), seed5) > 2, `${label} did not change the image`);
      await afterRender(page, off);
      assert.equal(maxDiff(await canvasRgb(page), seed5), 0, `${label} off did not restore the image`);
    }

    assert.equal(await page.getAttribute('#image', 'data-tensors'), tensors, 'redraws leak tensors');

    // Play sweeps the interpolation on its own; Stop holds it.
    const rendersBefore = Number(await page.getAttribute('#image', 'data-renders'));
    await page.click('#play');
    await page.waitForFunction((n) => Number(document.getElementById('image')!.dataset.renders) >= n + 3, rendersBefore, { timeout: RENDER_MS });
    await page.click('#play');
    assert.ok(Number(await page.inputValue('#interp')) > 0, 'play did not move the interpolation');
    await afterRender(page, () => page.fill('#interp', '0'));

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    assert.equal(download.suggestedFilename(), 'seed0005-psi0.70.png');
    const png = fs.readFileSync((await download.path())!);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);

    const shots = path.join(os.tmpdir(), 'stylegan-screenshots');
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'playground.png') });
    if (process.env.SAVE_SCREENSHOTS) await page.screenshot({ path: path.join(REPO, 'web/screenshot-playground.png') });

    // The WebAssembly backend (what browsers without WebGL/WebGPU get) from our own server.
    await page.goto(server.url + '?backend=wasm');
    await page.waitForSelector('#status[data-state=ready], #status[data-state=error]', { timeout: PAGE_LOAD_MS });
    assert.equal(await page.textContent('#status'), 'Ready · wasm');
    await afterRender(page, () => page.fill('#psi', '0.7'));
    await afterRender(page, () => page.fill('#seedA', '5'));
    const wasmDiff = maxDiff(await canvasRgb(page), expected);
    assert.ok(wasmDiff <= 2, `wasm image of seed 5 differs from Node's by ${wasmDiff} levels`);

    t.diagnostic(`seed 5, psi 0.7 vs Node: max ${diff} levels on ${backend}, ${wasmDiff} on wasm`);
    assert.deepEqual(browser.errors, []);
    assert.deepEqual(foreignRequests(browser.requests, server.url), [], 'the page fetched from outside the local server');
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** NVIDIA's own output for a seed, from a fixture's .npy ([C, R, R] floats), as HWC uint8. */
function nvidiaImage(file: string): Uint8Array {
  const ref = parseNpy(Uint8Array.from(fs.readFileSync(file)), path.basename(file));
  const [c, h, w] = ref.shape;
  const chw = ref.data as Float32Array;
  const hwc = new Float32Array(chw.length);
  for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) hwc[i * c + k] = chw[k * h * w + i];
  return toUint8(hwc);
}

test('playground: official .pkl files (TF StyleGAN, StyleGAN2-ADA) render NVIDIA\'s own reference images', { timeout: 2 * PAGE_LOAD_MS }, async (t) => {
  const cases = [
    { fixture: 'stylegan-tf-tiny', npy: 'seed0001-psi0.7.npy', query: '?seed=1&b=7&psi=0.7&cutoff=8' },
    { fixture: 'stylegan2-ada-tiny', npy: 'seed0001-psi0.5.npy', query: '?seed=1&b=7&psi=0.5' },
  ];
  const browser = await launchBrowser();
  try {
    const { page } = browser;
    for (const c of cases) {
      const dir = path.join(REPO, 'test/fixtures', c.fixture);
      const expected = nvidiaImage(path.join(dir, c.npy));
      const server = await startCli(['serve', '--network', path.join(dir, 'network.pkl')]);
      try {
        // The view comes from the address, as a shared link would give it: one render.
        await page.goto(server.url + c.query);
        await page.waitForSelector('#status[data-state=ready], #status[data-state=error]', { timeout: PAGE_LOAD_MS });
        assert.match(await page.textContent('#status') ?? '', /^Ready/, `${c.fixture}: page failed to load`);
        const diff = maxDiff(await canvasRgb(page), expected);
        t.diagnostic(`${c.fixture} ${c.npy}: max ${diff} levels from NVIDIA's on ${await page.textContent('#status')}`);
        assert.ok(diff <= 2, `${c.fixture}: browser image differs from NVIDIA's by ${diff} levels`);
        // Mixing and noise work on this arch too.
        const ref = await canvasRgb(page);
        await afterRender(page, () => page.check('#mixCoarse'));
        assert.ok(maxDiff(await canvasRgb(page), ref) > 2, `${c.fixture}: mixing did not change the image`);
        await afterRender(page, () => page.click('#reroll'));
        await afterRender(page, () => page.fill('#noise', '0'));
      } finally {
        await server.stop();
      }
    }
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});

test('playground: a StyleGAN3 .pkl gets translate/rotate sliders; the address ?tx&ty&rotate renders NVIDIA\'s translated, rotated image', { timeout: 2 * PAGE_LOAD_MS }, async (t) => {
  const dir = path.join(REPO, 'test/fixtures/stylegan3-tiny/t32');
  const expected = nvidiaImage(path.join(dir, 'seed0000-t0.3,0.1-r30.npy'));
  const browser = await launchBrowser();
  try {
    const { page } = browser;
    const server = await startCli(['serve', '--network', path.join(dir, 'network.pkl')]);
    try {
      await page.goto(server.url + '?seed=0&tx=0.3&ty=0.1&rotate=30');
      await page.waitForSelector('#status[data-state=ready], #status[data-state=error]', { timeout: PAGE_LOAD_MS }).catch(async (e) => {
        throw new Error(`${(e as Error).message.split('\n')[0]}; status: ${await page.textContent('#status')}; errors: ${browser.errors.join(' | ')}`);
      });
      assert.match(await page.textContent('#status') ?? '', /^Ready/, 'page failed to load');
      assert.equal(await page.isVisible('#transformBox'), true);
      const diff = maxDiff(await canvasRgb(page), expected);
      t.diagnostic(`t32 seed0000-t0.3,0.1-r30: max ${diff} levels from NVIDIA's`);
      assert.ok(diff <= 2, `browser image differs from NVIDIA's by ${diff} levels`);
      const ref = await canvasRgb(page);
      await afterRender(page, () => page.fill('#rot', '0'));
      assert.ok(maxDiff(await canvasRgb(page), ref) > 2, 'the angle slider did not change the image');
    } finally {
      await server.stop();
    }
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});

/** Tile k ([R, R, 3]) of an RGB grid image `cols` tiles wide. */
function tile(rgb: Uint8Array, width: number, r: number, k: number, cols: number): Uint8Array {
  const out = new Uint8Array(r * r * 3), x0 = (k % cols) * r, y0 = Math.floor(k / cols) * r;
  for (let y = 0; y < r; y++) out.set(rgb.subarray(((y0 + y) * width + x0) * 3, ((y0 + y) * width + x0 + r) * 3), y * r * 3);
  return out;
}

async function gridRgb(page: Page): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  const { data, width, height } = await page.evaluate(() => {
    const c = document.getElementById('grid') as HTMLCanvasElement;
    return { data: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data), width: c.width, height: c.height };
  });
  return { rgb: Uint8Array.from(data.filter((_, i) => i % 4 !== 3)), width, height };
}

test('playground: a baseline (DCGAN) network gets a random sample grid; ?grid=N shows seeds N..N+15 as generate makes them', { timeout: 2 * PAGE_LOAD_MS }, async (t) => {
  await setup();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-pg-grid-'));
  const G = new BaselineGenerator(baselineConfig('dcgan', 16), testRandom(3));
  // Batch norm samples with running statistics: give them values so that eval mode is exercised.
  const rnd = testRandom(5);
  for (const [name, v] of G.store.entries()) {
    if (/running_var$/.test(name)) v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => 0.5 + rnd()), v.shape));
    else if (/running_mean$/.test(name)) v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => 0.2 * (rnd() - 0.5)), v.shape));
  }
  const file = path.join(dir, 'dcgan.safetensors');
  fs.writeFileSync(file, encodeSnapshot({ config: G.cfg, modules: { G_ema: G.store.toRaw() } }));
  const seeds = Array.from({ length: 16 }, (_, i) => 3 + i);
  const expected = (await generateImages(G, seeds)).map((g) => toUint8(g.data));
  G.dispose();

  const server = await startCli(['serve', '--network', file]);
  const browser = await launchBrowser();
  try {
    const { page } = browser;
    await page.goto(server.url + '?grid=3');
    await page.waitForSelector('#status[data-state=ready], #status[data-state=error]', { timeout: PAGE_LOAD_MS });
    assert.match(await page.textContent('#status') ?? '', /^Ready/, 'page failed to load');
    assert.equal(await page.isDisabled('#psi'), true, 'truncation is not disabled for a network without W space');
    assert.equal(await page.isVisible('#grid'), true);
    const first = await gridRgb(page);
    assert.deepEqual([first.width, first.height], [64, 64]);
    let worst = 0;
    for (let k = 0; k < 16; k++) worst = Math.max(worst, maxDiff(tile(first.rgb, 64, 16, k, 4), expected[k]));
    t.diagnostic(`grid of seeds 3-18 vs generateImages: max ${worst} levels on ${await page.textContent('#status')}`);
    assert.ok(worst <= 2, `grid tiles differ from Node's images by ${worst} levels`);
    assert.notEqual(maxDiff(tile(first.rgb, 64, 16, 0, 4), tile(first.rgb, 64, 16, 1, 4)), 0, 'two seeds gave the same image');
    assert.equal(await page.textContent('#gridSeeds'), 'seeds 3-18, row by row');
    const tensors = await page.getAttribute('#grid', 'data-tensors');

    // Random grid: new seeds, a new grid, the address follows; redraws leak no tensors.
    const renders = Number(await page.getAttribute('#grid', 'data-renders'));
    await page.click('#gridRandom');
    await page.waitForFunction((n) => {
      const c = document.getElementById('grid')!;
      return Number(c.dataset.renders) > n && c.dataset.busy === '0';
    }, renders, { timeout: RENDER_MS });
    const seed = await page.inputValue('#gridSeed');
    assert.equal(new URL(page.url()).searchParams.get('grid'), seed);
    if (seed !== '3') assert.ok(maxDiff((await gridRgb(page)).rgb, first.rgb) > 2, 'a random grid did not change the images');
    assert.equal(await page.getAttribute('#grid', 'data-tensors'), tensors, 'grid redraws leak tensors');

    // Emptying the seed hides the grid and drops it from the address.
    await page.fill('#gridSeed', '');
    assert.equal(await page.isVisible('#grid'), false);
    assert.equal(new URL(page.url()).searchParams.get('grid'), null);
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
