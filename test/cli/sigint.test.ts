/**
 * Ctrl-C during `stylegan train`: the run stops after the current step with a snapshot and
 * exit code 0, and generate from that mid-growth snapshot shows what its fakes grid shows.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, startCli, TINY_NET as NET } from './cli.js';
import { readImageRgb } from '../../src/data/grid.js';
import { decodeSnapshot } from '../../src/io/snapshot.js';

let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-sigint-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const snapshots = (dir: string) => fs.readdirSync(dir).filter((f) => /^network-snapshot-\d{6}\.safetensors$/.test(f));

test('Ctrl-C (SIGINT) stops after the current step with exit code 0 and a snapshot', async () => {
  const dir = path.join(tmp, 'sigint');
  // No snapshot before the stop (--snap 1000): the loop must notice the signal by itself, not at a file write.
  // --stab-kimg 1: still at 8 px when stopped, for the mid-growth generate below.
  const net = NET.map((a, i) => (NET[i - 1] === '--stab-kimg' ? '1' : a));
  const run = startCli(['train', '--outdir', dir, '--kimg', '10', ...net, '--tick', '0.008', '--snap', '1000']);
  await run.waitForStderr(/^tick 1 /m);
  const t0 = Date.now();
  run.child.kill('SIGINT');
  const r = await Promise.race([run.done, new Promise<null>((resolve) => setTimeout(resolve, 20_000, null))]);
  const secs = (Date.now() - t0) / 1000;
  if (!r) {
    run.child.kill('SIGKILL');
    assert.fail('still training 20 s after SIGINT');
  }
  assert.equal(r.code, 0, r.stderr);
  assert.ok(secs < 15, `took ${secs} s to stop`); // one tiny step, even on a loaded machine
  assert.match(r.stderr, /^Stopped at 0\.\d+ kimg; snapshot .*network-snapshot-000000\.safetensors\. Continue with --resume latest\.$/m);
  assert.equal(snapshots(dir).length, 1);
  const snap = path.join(dir, snapshots(dir)[0]);
  const nimg = (decodeSnapshot(fs.readFileSync(snap), snap).training as { nimg: number }).nimg;
  assert.ok(nimg >= 8 && nimg < 1000, `nimg ${nimg}`);

  // generate from this mid-growth snapshot shows what its fakes grid shows (seed 123 = the grid's first latent).
  const out = path.join(tmp, 'gen-mid');
  const gen = await runCli(['generate', '--network', snap, '--seeds', '123', '--outdir', out, '--backend', 'wasm']);
  assert.equal(gen.code, 0, gen.stderr);
  assert.match(gen.stderr, /^note: .* was saved mid-growth: images at 8 px, upsampled to 16 px\n$/);
  const [img, grid] = await Promise.all([readImageRgb(path.join(out, 'seed0123.png')), readImageRgb(path.join(dir, 'fakes-000000.png'))]);
  const tile = new Uint8Array(16 * 16 * 3);
  for (let y = 0; y < 16; y++) tile.set(grid.data.subarray(y * grid.width * 3, (y * grid.width + 16) * 3), y * 48);
  assert.deepEqual(img.data, tile);
});
