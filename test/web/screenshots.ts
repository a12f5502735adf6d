/**
 * Refreshes the README's screenshots from a real network and run folder:
 *   node --import tsx test/web/screenshots.ts NETWORK.safetensors RUN_DIR
 * (not a test: it needs a trained network to be worth looking at).
 */
import path from 'node:path';
import { launchBrowser, startCli, REPO } from './browser.js';

const [network, run] = process.argv.slice(2);
if (!network || !run) throw new Error('usage: screenshots.ts NETWORK RUN_DIR');

const browser = await launchBrowser();
const { page } = browser;
await page.setViewportSize({ width: 1100, height: 560 });
const serve = await startCli(['serve', '--network', network]);
try {
  await page.goto(serve.url);
  await page.waitForSelector('#status[data-state=ready]', { timeout: 60_000 });
  const settle = () => page.waitForFunction(() => document.getElementById('image')!.dataset.busy === '0');
  await page.fill('#seedA', '3');
  await page.fill('#psi', '0.7');
  await page.fill('#seedB', '8');
  await page.check('#mixCoarse');
  await settle();
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(REPO, 'web/screenshot-playground.png') });
} finally {
  await serve.stop();
}
await page.setViewportSize({ width: 1100, height: 900 });
const dash = await startCli(['dashboard', '--run', run]);
try {
  await page.goto(dash.url);
  await page.waitForFunction(() => Number(document.body.dataset.polls) >= 1, null, { timeout: 30_000 });
  await page.waitForTimeout(1000);
  await page.screenshot({ path: path.join(REPO, 'web/screenshot-dashboard.png') });
} finally {
  await dash.stop();
  await browser.close();
}
console.log('wrote web/screenshot-playground.png and web/screenshot-dashboard.png');
