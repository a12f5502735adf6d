/**
 * `stylegan bench --only startup`: whole-process `stylegan generate` (start-up, network load,
 * first image, all images), each round a fresh process, interleaved round by round with an
 * optional reference command (NVIDIA's generate.py logic: bench/nvidia_generate.py) so both see
 * the same machine load. Node only.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSnapshot } from '../io/snapshot.js';
import { StyleGAN2Generator } from '../networks/stylegan2/generator.js';
import { stylegan2BenchConfig } from './run.js';

export interface StartupOptions {
  /** The network to generate from; default a random StyleGAN2 of the cpu64 shape (cpu32 with quick). */
  network?: string;
  /** A shell command run after each of our runs (same seeds); its `startup:` stderr line is parsed. */
  reference?: string;
  rounds?: number;
  seeds?: number;
  quick?: boolean;
  log?: (line: string) => void;
}

/** One process: wall seconds measured from outside, and its own `startup:` marks (seconds since its start, wall/cpu). */
export interface StartupRun {
  wall: number;
  marks: Record<string, { wall: number; cpu: number }>;
}

export interface StartupBench {
  network: string;
  seeds: number;
  /** What ran as ours: the compiled CLI (dist/) or, without a build, the sources through tsx. */
  entry: 'dist' | 'sources';
  ours: StartupRun[];
  reference?: { command: string; runs: StartupRun[] };
}

/** `startup: NAME WALL/CPU ...` (our generate and bench/nvidia_generate.py print this line). */
export function parseMarks(stderr: string): StartupRun['marks'] {
  const line = /^startup: (.*)$/m.exec(stderr)?.[1] ?? '';
  const out: StartupRun['marks'] = {};
  for (const m of line.matchAll(/(\S+) ([\d.]+)\/([\d.]+)/g)) out[m[1]] = { wall: Number(m[2]), cpu: Number(m[3]) };
  return out;
}

function timed(cmd: string, args: string[], opts: { shell?: boolean; env?: NodeJS.ProcessEnv }): Promise<StartupRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { shell: opts.shell, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = (performance.now() - t0) / 1000;
      if (code !== 0) reject(new Error(`${[cmd, ...args].join(' ')} exited ${code}: ${stderr.trim().split('\n').pop()}`));
      else resolve({ wall, marks: parseMarks(stderr) });
    });
  });
}

/** The compiled CLI when built (what users run), else the sources through tsx. */
function cliEntry(): { args: string[]; entry: StartupBench['entry'] } {
  const here = fileURLToPath(import.meta.url);
  const dist = path.resolve(path.dirname(here), here.endsWith('.js') ? '../cli/run.js' : '../../dist/cli/run.js');
  if (fs.existsSync(dist)) return { args: [dist], entry: 'dist' };
  return { args: ['--import', 'tsx', path.resolve(path.dirname(here), '../cli/run.ts')], entry: 'sources' };
}

export async function benchStartup(o: StartupOptions = {}): Promise<StartupBench> {
  const log = o.log ?? (() => {});
  const rounds = o.rounds ?? (o.quick ? 1 : 5), seeds = o.seeds ?? (o.quick ? 2 : 32);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-startup-'));
  try {
    let network = o.network;
    if (!network) {
      const G = new StyleGAN2Generator(stylegan2BenchConfig(o.quick ? 32 : 64));
      network = path.join(tmp, `sg2-${G.cfg.imgResolution}.safetensors`);
      fs.writeFileSync(network, encodeSnapshot({ config: G.cfg, modules: { G_ema: G.store.toRaw() } }));
      G.dispose();
    }
    const { args, entry } = cliEntry();
    const out: StartupBench = { network, seeds, entry, ours: [], ...(o.reference && { reference: { command: o.reference, runs: [] } }) };
    for (let r = 0; r < rounds; r++) {
      log(`startup round ${r + 1}/${rounds}...`);
      fs.rmSync(path.join(tmp, 'out'), { recursive: true, force: true });
      out.ours.push(await timed(process.execPath, [...args, 'generate', '--network', network, '--seeds', `0-${seeds - 1}`, '--outdir', path.join(tmp, 'out')],
        { env: { STYLEGAN_STARTUP_TIMES: '1' } }));
      if (o.reference) out.reference!.runs.push(await timed(o.reference, [], { shell: true }));
    }
    return out;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
