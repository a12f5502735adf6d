/** Runs the CLI in a child process, as a user would, from the sources (helper for the CLI tests; see ../cli-entry.ts). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cliArgs } from '../cli-entry.js';

/** A net of a few thousand parameters (cpu16 shrunk) on 16 emoji at 16 px, growing from 8 px. */
export const TINY_NET = ['--arch', 'stylegan', '--max-images', '16', '--resolution', '16', '--preset', 'cpu16', '--cbase', '64', '--cmax', '8', '--zdim', '16', '--batch', '4',
  '--grow-start', '8', '--stab-kimg', '0.008', '--fade-kimg', '0.008', '--grid', '2x2', '--backend', 'wasm'];

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the process exits (killed after `timeoutMs`). */
  done: Promise<CliResult>;
  /** Resolves once stderr matches `re` (rejects if the process exits first). */
  waitForStderr(re: RegExp): Promise<void>;
}

export function startCli(args: string[], timeoutMs = 120_000): CliRun {
  const child = spawn(process.execPath, [...cliArgs(), ...args], { cwd: ROOT, env: { ...process.env, STYLEGAN_DEBUG: '' } });
  let stdout = '', stderr = '';
  const waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => {
    stderr += d;
    for (const w of waiters.splice(0)) (w.re.test(stderr) ? w.resolve() : waiters.push(w));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => {
    clearTimeout(timer);
    resolve({ code, signal, stdout, stderr });
  }));
  const waitForStderr = (re: RegExp) => new Promise<void>((resolve, reject) => {
    if (re.test(stderr)) return resolve();
    waiters.push({ re, resolve });
    done.then(() => reject(new Error(`exited before stderr matched ${re}: ${stderr}`)));
  });
  return { child, done, waitForStderr };
}

export function runCli(args: string[], timeoutMs?: number): Promise<CliResult> {
  return startCli(args, timeoutMs).done;
}
