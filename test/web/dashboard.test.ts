/**
 * `stylegan train --dashboard` and `stylegan dashboard` end to end: a real (tiny) training run,
 * then the page in headless chromium: cards, drawn charts, the fakes scrubber, and live updates
 * when the run folder grows.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ensureWebBuild } from '../../src/web/build.js';
import { foreignRequests, launchBrowser, startCli, REPO } from './browser.js';

/** Runs a tiny training to the end with its dashboard; returns everything it printed. */
function trainTiny(outdir: string): Promise<string> {
  const args = ['train', '--outdir', outdir, '--max-images', '16', '--resolution', '8', '--batch', '4',
    '--kimg', '0.04', '--tick', '0.008', '--snap', '1', '--grid', '2x2', '--dashboard', '--dashboard-port', '0'];
  const proc = spawn(process.execPath, [path.join(REPO, 'bin/stylegan.js'), ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill(); reject(new Error(`training did not finish:\n${out}`)); }, 90_000);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`train exited with ${code}:\n${out}`));
    });
  });
}

/** Pixels of a chart's canvas that are not blank: uPlot drew axes, grid and lines. */
async function inkedPixels(page: Page, chartId: string): Promise<number> {
  return page.evaluate((id) => {
    const c = document.querySelector<HTMLCanvasElement>(`#${id} canvas`);
    if (!c || !c.width) return 0;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  }, chartId);
}

/** Whether a URL stops answering within a few seconds. */
async function serverGone(url: string): Promise<boolean> {
  for (let i = 0; i < 25; i++) {
    try {
      await fetch(url + 'api/run', { signal: AbortSignal.timeout(2000) });
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

const polls = (page: Page) => page.evaluate(() => Number(document.body.dataset.polls ?? 0));

test('dashboard: a finished run renders, the scrubber walks the grids, new ticks appear live', { timeout: 150_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-dash-'));
  const run = path.join(dir, 'run');
  // Built first, so the trainer's dashboard is up within its start-up time rather than racing a build.
  await ensureWebBuild();
  const trainOut = await trainTiny(run);
  const live = /Dashboard for .*: (http:\/\/\S+\/)/.exec(trainOut);
  assert.ok(live, `train --dashboard printed no dashboard URL:\n${trainOut}`);
  // It ends with the trainer: nothing may keep listening once training is done.
  assert.ok(await serverGone(live[1]), 'the dashboard of train --dashboard outlived training');

  const stats = fs.readFileSync(path.join(run, 'stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(stats.length, 5);
  fs.writeFileSync(path.join(run, 'metric-fid50k.jsonl'),
    [{ metric: 'fid50k', value: 310.5, kimg: 0.008 }, { metric: 'fid50k', value: 250.25, kimg: 0.04 }].map((l) => JSON.stringify(l)).join('\n') + '\n');

  const server = await startCli(['dashboard', '--run', run]);
  const browser = await launchBrowser();
  try {
    const { page } = browser;
    await page.goto(server.url);
    await page.waitForFunction(() => Number(document.body.dataset.polls) >= 1, null, { timeout: 30_000 });
    assert.equal(await page.getAttribute('#status', 'data-run'), 'finished');
    assert.equal(await page.textContent('#kimg'), '0.040 / 0.04');
    assert.equal(await page.textContent('#eta'), 'done');
    assert.equal(await page.textContent('#res'), '8²');
    for (const id of ['chartLoss', 'chartPenalty', 'chartSpeed', 'chartMetrics']) {
      assert.ok((await inkedPixels(page, id)) > 500, `${id} has not drawn`);
    }
    assert.match(await page.textContent('#chartMetrics') ?? '', /fid50k/);
    assert.match(await page.textContent('#config') ?? '', /"imgResolution": 8/);
    assert.match(await page.textContent('#log') ?? '', /tick 5/);
    const realsOk = await page.evaluate(() => (document.getElementById('reals') as HTMLImageElement).naturalWidth);
    assert.equal(realsOk, 16, 'reals grid (2x2 of 8 px) did not load');

    // Scrubber: fakes-init.png, then the grid at the end.
    assert.equal(await page.getAttribute('#scrub', 'max'), '1');
    assert.equal(await page.getAttribute('#fakes', 'data-file'), 'fakes-000000.png');
    await page.fill('#scrub', '0');
    assert.equal(await page.getAttribute('#fakes', 'data-file'), 'fakes-init.png');
    assert.equal(await page.isChecked('#follow'), false);
    await page.waitForFunction(() => (document.getElementById('fakes') as HTMLImageElement).complete);
    assert.equal(await page.evaluate(() => (document.getElementById('fakes') as HTMLImageElement).naturalWidth), 16);

    // The run goes on (as a resumed run would): a new tick and grid show up without a reload.
    const last = stats[stats.length - 1];
    fs.appendFileSync(path.join(run, 'stats.jsonl'), JSON.stringify({ ...last, tick: 6, kimg: 1.5, lossG: 0.5 }) + '\n');
    fs.copyFileSync(path.join(run, 'fakes-000000.png'), path.join(run, 'fakes-000001.png'));
    await page.check('#follow');
    const before = await polls(page);
    await page.waitForFunction((n) => Number(document.body.dataset.polls) > n + 1, before, { timeout: 15_000 });
    assert.equal(await page.textContent('#kimg'), '1.5 / 0.04');
    assert.equal(await page.getAttribute('#scrub', 'max'), '2');
    assert.equal(await page.getAttribute('#fakes', 'data-file'), 'fakes-000001.png');

    const shots = path.join(os.tmpdir(), 'stylegan-screenshots');
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true });
    assert.deepEqual(browser.errors, []);
    assert.deepEqual(foreignRequests(browser.requests, server.url), [], 'the page fetched from outside the local server');
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
