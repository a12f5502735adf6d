/**
 * Browser-test plumbing: Debian's chromium driven by playwright-core (no browser download),
 * and `stylegan <command>` started on a free port. A missing chromium fails the test on
 * purpose: .ci/run installs it, so its absence is a broken set-up, not a reason to skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { cliArgs } from '../cli-entry.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Browser {
  page: Page;
  context: BrowserContext;
  /** Uncaught page errors, for assertions. */
  errors: string[];
  /** The pages' console lines (tfjs says there why a backend did not start). */
  console: string[];
  /** Every URL the pages requested, to check that nothing leaves the local server. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * WebGPU in headless chromium without a GPU: Dawn on SwiftShader's Vulkan (shipped inside Debian's
 * chromium package). `--enable-unsafe-webgpu` lets Chromium expose a software adapter at all (it
 * says 'No available adapters' otherwise); the adapter flag pins SwiftShader so a machine with a
 * GPU tests the same thing.
 */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

export async function launchBrowser(opts: { webgpu?: boolean } = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
  }
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-chromium-'));
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', ...(opts.webgpu ? WEBGPU_ARGS : ['--disable-gpu']), '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const requests: string[] = [];
  const consoleLines: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => consoleLines.push(m.text()));
  context.on('request', (r) => requests.push(r.url()));
  return {
    page, context, errors, requests, console: consoleLines,
    close: async () => {
      await context.close();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/** Requests that went anywhere but `base` (data: and blob: URLs stay in the page). */
export function foreignRequests(requests: string[], base: string): string[] {
  return requests.filter((u) => !u.startsWith(base) && !/^(data|blob):/.test(u));
}

export interface CliServer {
  url: string;
  proc: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Runs `stylegan ...args --port 0` and resolves with the URL it prints. */
export function startCli(args: string[], timeoutMs = 60_000): Promise<CliServer> {
  // The IPC channel makes the server end with this test process, however that ends.
  const proc = spawn(process.execPath, [...cliArgs(), ...args, '--port', '0'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let out = '';
  const stop = () => new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
    // A server that does not stop in time is not a reason to hang the test run.
    setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { void stop(); reject(new Error(`no URL within ${timeoutMs} ms; output:\n${out}`)); }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/\S+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], proc, output: () => out, stop });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`stylegan ${args[0]} exited with ${code}:\n${out}`)); });
  });
}
