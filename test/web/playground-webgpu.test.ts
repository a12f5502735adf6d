/**
 * The playground's WebGPU path in headless chromium on SwiftShader (Dawn's software Vulkan, no GPU
 * needed): for NVIDIA's StyleGAN2-ADA and StyleGAN3 fixtures the page, on webgpu, draws the
 * PNGs `stylegan generate` writes in Node for the same seeds and psi, within 1 level. No
 * fallback counts: the page must say it ran on webgpu, and a chromium without an adapter fails.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { cliArgs } from '../cli-entry.js';
import { launchBrowser, startCli, REPO, type Browser } from './browser.js';

/** `stylegan generate` in a child process, as a user runs it; the PNGs' RGB bytes by seed. */
async function nodeGenerate(network: string, seeds: number[], psi: number): Promise<Map<number, Uint8Array>> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-wgpu-ref-'));
  try {
    const args = [...cliArgs(), 'generate', '--network', network, '--seeds', seeds.join(','), '--trunc', String(psi), '--outdir', outdir];
    const proc = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    assert.equal(code, 0, `stylegan generate failed:\n${out}`);
    const images = new Map<number, Uint8Array>();
    for (const s of seeds) {
      const { data, info } = await sharp(path.join(outdir, `seed${String(s).padStart(4, '0')}.png`)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      assert.equal(info.channels, 3);
      images.set(s, new Uint8Array(data));
    }
    return images;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

async function canvasRgb(page: Page): Promise<Uint8Array> {
  const rgba = await page.evaluate(() => {
    const c = document.getElementById('image') as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  });
  return Uint8Array.from(rgba.filter((_, i) => i % 4 !== 3));
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Waits for the page to be ready; a failed start (no adapter, a shader error) fails with the page's words. */
async function waitReady(browser: Browser, what: string): Promise<void> {
  const { page } = browser;
  await page.waitForSelector('#status[data-state=ready], #status[data-state=error]', { timeout: 240_000 }).catch(async (e) => {
    throw new Error(`${what}: ${(e as Error).message.split('\n')[0]}; status: ${await page.textContent('#status')}; errors: ${browser.errors.join(' | ')}`);
  });
  const status = (await page.textContent('#status')) ?? '';
  assert.equal(status, 'Ready · webgpu', `${what}: the page did not start on webgpu (console: ${browser.console.join(' | ')})`);
}

test('playground on WebGPU (headless chromium, SwiftShader): official StyleGAN2-ADA and StyleGAN3 fixtures draw the PNGs of stylegan generate within 1 level', { timeout: 600_000 }, async (t) => {
  const seeds = [0, 1];
  const cases = [
    // ?backend=webgpu: the user's explicit choice (an error, never a fallback, when it cannot start).
    { name: 'stylegan2-ada-tiny', network: 'test/fixtures/stylegan2-ada-tiny/network.pkl', psi: 0.5, query: '&backend=webgpu' },
    // No ?backend: what a visitor gets; with an adapter the page must pick webgpu on its own.
    { name: 'stylegan3-tiny/t32', network: 'test/fixtures/stylegan3-tiny/t32/network.pkl', psi: 0.7, query: '' },
  ];
  // Node's images are made while the browser works (the CLI processes are mostly start-up).
  const refs = cases.map((c) => nodeGenerate(path.join(REPO, c.network), seeds, c.psi));
  refs.forEach((r) => r.catch(() => {})); // awaited below; no unhandled rejection meanwhile
  const browser = await launchBrowser({ webgpu: true });
  try {
    const { page } = browser;
    let adapter: string | null = null;
    for (const [k, c] of cases.entries()) {
      const server = await startCli(['serve', '--network', path.join(REPO, c.network)]);
      try {
        if (k === 0) {
          // Only a secure context (our http://127.0.0.1 page, not about:blank) has navigator.gpu.
          await page.goto(`${server.url}api/network`);
          adapter = await page.evaluate(async () => {
            const a = await navigator.gpu?.requestAdapter();
            // GPUAdapter.info is newer than the @webgpu/types tfjs pins.
            const info = (a as unknown as { info?: { vendor: string; architecture: string } } | null)?.info;
            return a ? `${info?.vendor} ${info?.architecture}` : null;
          });
          assert.ok(adapter, `chromium gave no WebGPU adapter (navigator.gpu ${await page.evaluate(() => (navigator.gpu ? 'present' : 'missing'))}); console: ${browser.console.join(' | ')}`);
        }
        await page.goto(`${server.url}?seed=${seeds[0]}&psi=${c.psi}${c.query}`);
        await waitReady(browser, c.name);
        const expected = await refs[k];
        for (const [i, s] of seeds.entries()) {
          if (i > 0) {
            const before = Number(await page.getAttribute('#image', 'data-renders'));
            await page.fill('#seedA', String(s));
            await page.waitForFunction((n) => {
              const im = document.getElementById('image')!;
              return Number(im.dataset.renders) > n && im.dataset.busy === '0';
            }, before, { timeout: 120_000 });
          }
          assert.match((await page.textContent('#latency')) ?? '', / ms on webgpu$/, `${c.name} seed ${s}: the redraw did not run on webgpu`);
          const diff = maxDiff(await canvasRgb(page), expected.get(s)!);
          t.diagnostic(`${c.name} seed ${s} psi ${c.psi}: max ${diff} levels from stylegan generate (${adapter})`);
          assert.ok(diff <= 1, `${c.name} seed ${s}: the webgpu image differs from stylegan generate's by ${diff} levels`);
        }
      } finally {
        await server.stop();
      }
    }
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
    await Promise.allSettled(refs);
  }
});
