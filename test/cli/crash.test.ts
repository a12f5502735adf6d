/**
 * Long runs lose nothing: a training run SIGKILLed at random moments and resumed with
 * `--resume latest` each time ends with the same snapshot, byte for byte, as an uninterrupted
 * run of the same seed, and every file in its folder stays readable; SIGTERM stops with a
 * snapshot and exit code 0; NaN weights stop the run naming the step and the loss and keep the
 * last good snapshot. CRASH_KILLS (default 5) and CRASH_SEED pick how many kills and when.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, startCli, type CliRun } from './cli.js';
import { readImageRgb } from '../../src/data/grid.js';
import { decodeSnapshot } from '../../src/io/snapshot.js';
import { testRandom } from '../helpers.js';

let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-crash-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** As test/cli/train.test.ts: batch 4, 8 px growing to 16 px by 0.016 kimg; a tick (and a snapshot) every 2 steps. */
const NET = ['--arch', 'stylegan', '--max-images', '16', '--resolution', '16', '--preset', 'cpu16', '--cbase', '64', '--cmax', '8', '--zdim', '16', '--batch', '4',
  '--grow-start', '8', '--stab-kimg', '0.008', '--fade-kimg', '0.008', '--grid', '2x2', '--backend', 'wasm', '--seed', '3'];
const TINY = [...NET, '--tick', '0.008', '--snap', '1'];
const SNAP = 'network-snapshot-000000.safetensors';
const KILLS = Number(process.env.CRASH_KILLS ?? 5);

type Stats = { kimg: number; res: number; alpha: number };
const readStats = (dir: string): Stats[] => fs.readFileSync(path.join(dir, 'stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const nimgOf = (file: string): number => (decodeSnapshot(fs.readFileSync(file), file).training as { nimg: number }).nimg;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every file a run folder holds is whole: snapshots decode, PNGs decode, JSON lines parse. */
async function checkFolder(dir: string): Promise<void> {
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const file = path.join(dir, f);
    if (/^network-snapshot-\d{6}\.safetensors$/.test(f)) decodeSnapshot(fs.readFileSync(file), file);
    else if (f.endsWith('.png')) await readImageRgb(file);
    else if (f.endsWith('.jsonl')) fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).forEach((l) => JSON.parse(l));
  }
}

/** Starts a run with extra environment variables (only for this child). */
function startWithEnv(args: string[], env: Record<string, string>): CliRun {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return startCli(args);
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
}

test(`SIGKILL at random moments ${KILLS} times, --resume latest each time: same final snapshot as a straight run, no corrupt file`, async () => {
  const dir = path.join(tmp, 'killed'), straight = path.join(tmp, 'straight');
  const total = '0.12'; // 30 steps, 15 ticks
  const straightRun = runCli(['train', '--outdir', straight, '--kimg', total, ...TINY], 300_000);
  const rand = testRandom(Number(process.env.CRASH_SEED ?? 7));
  let killed = 0, lastNimg = 0, resumedMid = 0;
  const t0 = Date.now();
  for (let k = 0; k < KILLS; k++) {
    const run = startCli(['train', '--outdir', dir, '--resume', 'latest', '--kimg', total, ...TINY]);
    // Half the kills land anywhere from start-up on, half while steps and snapshot writes go on.
    if (rand() < 0.5) await sleep(rand() * 6000);
    else {
      await run.waitForStderr(/^tick 1 /m).catch(() => undefined);
      await sleep(rand() * 2500);
    }
    run.child.kill('SIGKILL');
    const r = await run.done;
    if (r.signal !== 'SIGKILL') {
      assert.equal(r.code, 0, r.stderr); // it finished first
      break;
    }
    killed++;
    await checkFolder(dir);
    const snap = path.join(dir, SNAP);
    if (fs.existsSync(snap)) {
      const nimg = nimgOf(snap);
      assert.equal(nimg % 8, 0, `snapshots fall on tick boundaries, got nimg ${nimg}`);
      assert.ok(nimg >= lastNimg, `the run went back from ${lastNimg} to ${nimg} images`);
      if (nimg > 0 && nimg < 120) resumedMid++;
      lastNimg = nimg;
    }
  }
  const last = await runCli(['train', '--outdir', dir, '--resume', 'latest', '--kimg', total, ...TINY], 300_000);
  assert.equal(last.code, 0, last.stderr);
  const whole = await straightRun;
  assert.equal(whole.code, 0, whole.stderr);
  console.log(`crash test: ${killed} SIGKILLs survived (${resumedMid} after a snapshot) in ${((Date.now() - t0) / 1000).toFixed(0)} s (last snapshot before the final run at ${lastNimg} images)`);

  await checkFolder(dir);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'temp files of killed writers are cleaned up');
  assert.equal(nimgOf(path.join(dir, SNAP)), 120);
  assert.ok(lastNimg > 0, 'some kills came after a snapshot');
  // Same seed, data and backend: bit-identical weights, optimizer and training state.
  assert.ok(fs.readFileSync(path.join(dir, SNAP)).equals(fs.readFileSync(path.join(straight, SNAP))), 'the resumed run ends elsewhere than the straight run');
  // The kimg counter and the growth schedule read as one run (ticks redone after a kill are not doubled).
  const pick = (s: Stats[]) => s.map(({ kimg, res, alpha }) => [kimg, res, alpha]);
  assert.deepEqual(pick(readStats(dir)), pick(readStats(straight)));
});

test('SIGTERM stops after the current step with a snapshot and exit code 0; the run resumes from it', async () => {
  const dir = path.join(tmp, 'sigterm');
  const run = startCli(['train', '--outdir', dir, '--kimg', '10', ...NET, '--tick', '0.008', '--snap', '1000']);
  await run.waitForStderr(/^tick 1 /m);
  const t0 = Date.now();
  run.child.kill('SIGTERM');
  const r = await Promise.race([run.done, sleep(20_000).then(() => null)]);
  if (!r) {
    run.child.kill('SIGKILL');
    assert.fail('still training 20 s after SIGTERM');
  }
  const secs = (Date.now() - t0) / 1000;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(secs < 15, `took ${secs} s to stop`);
  assert.match(r.stderr, /^Stopped at 0\.\d+ kimg; snapshot .*network-snapshot-000000\.safetensors\. Continue with --resume latest\.$/m);
  const snap = path.join(dir, SNAP);
  const nimg = nimgOf(snap);
  await checkFolder(dir);
  const more = await runCli(['train', '--outdir', dir, '--resume', 'latest', '--kimg', String((nimg + 8) / 1000), '--tick', '0.008', '--backend', 'wasm', '--grid', '2x2']);
  assert.equal(more.code, 0, more.stderr);
  assert.equal(nimgOf(snap), nimg + 8);
});

test('NaN weights stop training naming the step and the loss, keep the last good snapshot and suggest a lower --lr', async () => {
  // STYLEGAN_TEST_POISON_STEP (src/training/crash-safety.ts) fills a G weight with NaN after that step.
  // After step 5 (mid-tick): step 6's loss is NaN. After step 4 (a tick end): the snapshot about to be written has NaN.
  const cases = [{ step: '5', keep: 16, re: /^stylegan train: error: Training diverged at 0\.024 kimg \(step 6\): loss G NaN, loss D NaN\. The last snapshot is intact; resume with --resume latest and a lower --lr \(this run: 0\.002, try 0\.0005\)\.$/ },
    { step: '4', keep: 8, re: /^stylegan train: error: Training diverged at 0\.016 kimg \(step 4\): G\.\S+ is not finite\. The last snapshot is intact; resume with --resume latest/ }];
  await Promise.all(cases.map(async (c) => {
    const dir = path.join(tmp, `nan${c.step}`);
    const r = await startWithEnv(['train', '--outdir', dir, '--kimg', '0.08', ...TINY], { STYLEGAN_TEST_POISON_STEP: c.step }).done;
    assert.equal(r.code, 1, r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('stylegan train: error:'));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0], c.re);
    assert.equal(nimgOf(path.join(dir, SNAP)), c.keep, 'the last good snapshot is kept');
    const s = decodeSnapshot(fs.readFileSync(path.join(dir, SNAP)), SNAP);
    for (const m of Object.values(s.modules)) for (const t of Object.values(m ?? {})) assert.ok(t.data.every(Number.isFinite));
  }));
});
