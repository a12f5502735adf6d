/**
 * `stylegan train --dashboard` and `stylegan dashboard` end to end in headless chromium: the
 * page follows a real (tiny) training while it runs and ends with it; then the stopped run's
 * folder: cards, drawn charts, metrics, the fakes scrubber, and live updates as the folder grows.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ensureWebBuild } from '../../src/web/build.js';
import { foreignRequests, launchBrowser, startCli, REPO } from './browser.js';
import { cliArgs } from '../cli-entry.js';

interface Training {
  proc: ChildProcess;
  output: () => string;
  /** Resolves with the first match of `re` in the output. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

/** A tiny training, long enough (1 kimg) that the test stops it with Ctrl-C. */
function startTraining(outdir: string): Training {
  const args = ['train', '--outdir', outdir, '--arch', 'stylegan', '--max-images', '16', '--resolution', '8', '--batch', '4',
    '--kimg', '1', '--tick', '0.004', '--snap', '1', '--grid', '2x2', '--dashboard', '--dashboard-port', '0'];
  const proc = spawn(process.execPath, [...cliArgs(), ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d;
    listeners.forEach((l) => l());
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const waitFor = (re: RegExp, timeoutMs: number) => new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const m = re.exec(out);
      if (m) {
        listeners.delete(check);
        clearTimeout(timer);
        resolve(m);
      }
    };
    const timer = setTimeout(() => { listeners.delete(check); reject(new Error(`no ${re} within ${timeoutMs} ms:\n${out}`)); }, timeoutMs);
    listeners.add(check);
    void exited.then(() => { if (listeners.has(check)) { listeners.delete(check); clearTimeout(timer); reject(new Error(`train exited:\n${out}`)); } });
    check();
  });
  return { proc, output: () => out, waitFor, exited };
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

/** Waits for the page to poll twice more (one full poll after whatever just changed). */
async function nextPolls(page: Page): Promise<void> {
  const n = await polls(page);
  await page.waitForFunction((k) => Number(document.body.dataset.polls) > k + 1, n, { timeout: 20_000 });
}

test('dashboard: follows train --dashboard live and ends with it; a stopped run renders, scrubs and updates', { timeout: 150_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-dash-'));
  const run = path.join(dir, 'run');
  // Built first, so the trainer's dashboard comes up without waiting on a build.
  await ensureWebBuild();
  const browser = await launchBrowser();
  const training = startTraining(run);
  try {
    const { page } = browser;

    // Live: the trainer's own dashboard shows ticks as they are written.
    const [, liveUrl] = await training.waitFor(/Dashboard for .*: (http:\/\/\S+\/)/, 60_000);
    await training.waitFor(/tick 1 /, 60_000);
    await page.goto(liveUrl);
    await page.waitForFunction(() => document.getElementById('status')!.dataset.run === 'running', null, { timeout: 30_000 });
    assert.equal(await page.textContent('#status'), 'Training');
    const seen = await page.textContent('#kimg');
    await page.waitForFunction((k) => document.getElementById('kimg')!.textContent !== k, seen, { timeout: 30_000 });

    // Ctrl-C: the trainer writes its snapshot and exits, and its dashboard goes with it.
    training.proc.kill('SIGINT');
    assert.equal(await training.exited, 0, training.output());
    assert.match(training.output(), /Stopped at/);
    assert.ok(await serverGone(liveUrl), 'the dashboard of train --dashboard outlived training');
  } catch (e) {
    await browser.close();
    throw e;
  } finally {
    training.proc.kill('SIGKILL');
  }

  const stats = fs.readFileSync(path.join(run, 'stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(stats.length >= 2, `only ${stats.length} ticks`);
  fs.writeFileSync(path.join(run, 'metric-fid50k.jsonl'),
    [{ metric: 'fid50k', value: 310.5, kimg: 0.004 }, { metric: 'fid50k', value: 250.25, kimg: 0.012 }].map((l) => JSON.stringify(l)).join('\n') + '\n');

  const server = await startCli(['dashboard', '--run', run]);
  try {
    const { page } = browser;
    await page.goto(server.url);
    await page.waitForFunction(() => Number(document.body.dataset.polls) >= 1, null, { timeout: 30_000 });
    assert.equal(await page.textContent('#status'), 'Stopped (resume with --resume latest)');
    assert.equal(await page.textContent('#kimg'), `${stats[stats.length - 1].kimg.toFixed(3)} / 1`);
    assert.equal(await page.textContent('#res'), '8²');
    for (const id of ['chartLoss', 'chartPenalty', 'chartSpeed', 'chartMetrics']) {
      assert.ok((await inkedPixels(page, id)) > 500, `${id} has not drawn`);
    }
    assert.match(await page.textContent('#chartMetrics') ?? '', /fid50k/);
    assert.match(await page.textContent('#config') ?? '', /"imgResolution": 8/);
    assert.match(await page.textContent('#log') ?? '', /Stopped at/);
    // The first poll sets the image's src; its bytes may still be on the way (seen on a loaded machine).
    await page.waitForFunction(() => (document.getElementById('reals') as HTMLImageElement).complete, null, { timeout: 30_000 });
    const realsWidth = await page.evaluate(() => (document.getElementById('reals') as HTMLImageElement).naturalWidth);
    assert.equal(realsWidth, 16, 'reals grid (2x2 of 8 px) did not load');

    // Scrubber: fakes-init.png, then the grid at the end.
    assert.equal(await page.getAttribute('#scrub', 'max'), '1');
    assert.equal(await page.getAttribute('#fakes', 'data-file'), 'fakes-000000.png');
    await page.fill('#scrub', '0');
    assert.equal(await page.getAttribute('#fakes', 'data-file'), 'fakes-init.png');
    assert.equal(await page.isChecked('#follow'), false);
    await page.waitForFunction(() => (document.getElementById('fakes') as HTMLImageElement).complete);
    assert.equal(await page.evaluate(() => (document.getElementById('fakes') as HTMLImageElement).naturalWidth), 16);

    // The run goes on (as a resumed run would) to its end: a new tick and grid show up without a reload.
    const last = stats[stats.length - 1];
    fs.appendFileSync(path.join(run, 'stats.jsonl'), JSON.stringify({ ...last, tick: last.tick + 1, kimg: 1, lossG: 0.5 }) + '\n');
    fs.copyFileSync(path.join(run, 'fakes-000000.png'), path.join(run, 'fakes-000001.png'));
    await page.check('#follow');
    await nextPolls(page);
    assert.equal(await page.textContent('#kimg'), '1.0 / 1');
    assert.equal(await page.textContent('#status'), 'Finished');
    assert.equal(await page.textContent('#eta'), 'done');
    assert.equal(await page.getAttribute('#scrub', 'max'), '2');
    assert.equal(await page.getAttribute('#fakes', 'data-file'), 'fakes-000001.png');

    const shots = path.join(os.tmpdir(), 'stylegan-screenshots');
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true });
    assert.deepEqual(browser.errors, []);
    assert.deepEqual(foreignRequests(browser.requests, 'http://127.0.0.1:'), [], 'the page fetched from outside the local servers');
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
