/**
 * Builds the browser pages (web/) with Vite on demand into a content-addressed cache folder,
 * so `serve` and `dashboard` work on a fresh clone and offline, and rebuild only when the page
 * sources, the library code they bundle or the lockfile change. Node only.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WEB_ROOT = path.join(REPO_ROOT, 'web');
/** The pages: each becomes <dist>/<name>/index.html. */
export const PAGES = ['playground', 'dashboard'] as const;
export type PageName = (typeof PAGES)[number];

const require = createRequire(import.meta.url);

function listFiles(dir: string, keep: (file: string) => boolean): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'dist' && e.name !== 'node_modules') out.push(...listFiles(p, keep));
    } else if (keep(p)) out.push(p);
  }
  return out.sort();
}

const sha = (bytes: Uint8Array) => crypto.createHash('sha256').update(bytes).digest('hex');

/**
 * Key of a build: the page sources, the locked package versions and this builder. Library files
 * from src/ are not in the key but in each build's inputs.json, checked file by file, so edits
 * to code the pages do not bundle (training, CLI) cause no rebuild.
 */
export function webKey(): string {
  const h = crypto.createHash('sha256');
  const files = [
    ...listFiles(WEB_ROOT, (f) => /\.(ts|html|css|json)$/.test(f)),
    path.join(REPO_ROOT, 'package-lock.json'),
    fileURLToPath(import.meta.url),
  ];
  for (const f of files) {
    h.update(path.relative(REPO_ROOT, f)).update('\0');
    if (fs.existsSync(f)) h.update(fs.readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

const INPUTS = 'inputs.json';

/** Whether every repository source file bundled into `dir` is unchanged since. */
function inputsUnchanged(dir: string): boolean {
  let inputs: Record<string, string>;
  try {
    inputs = JSON.parse(fs.readFileSync(path.join(dir, INPUTS), 'utf8'));
  } catch {
    return false;
  }
  return Object.entries(inputs).every(([rel, digest]) => {
    try {
      return sha(fs.readFileSync(path.join(REPO_ROOT, rel))) === digest;
    } catch {
      return false;
    }
  });
}

function defaultCacheDir(): string {
  const local = path.join(REPO_ROOT, 'node_modules', '.cache', 'stylegan-web');
  try {
    fs.mkdirSync(local, { recursive: true });
    fs.accessSync(local, fs.constants.W_OK);
    return local;
  } catch {
    // A read-only install (e.g. global): fall back to a per-user temp folder.
    return path.join(process.env.TMPDIR ?? '/tmp', 'stylegan-web-cache');
  }
}

function isComplete(dir: string): boolean {
  return PAGES.every((p) => fs.existsSync(path.join(dir, p, 'index.html')));
}

function isFresh(dir: string): boolean {
  return isComplete(dir) && inputsUnchanged(dir);
}

/** The tfjs wasm binaries, copied into the build so the wasm backend loads from our own server. */
function wasmFiles(): string[] {
  const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  return fs.readdirSync(dist).filter((f) => f.endsWith('.wasm')).map((f) => path.join(dist, f));
}

/** Runs Vite once into outDir. */
export async function buildWeb(outDir: string): Promise<void> {
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new Error('the web pages need a one-time build, but Vite is not installed: run `npm install` in the stylegan folder (devDependencies)');
  }
  const input = Object.fromEntries(PAGES.map((p) => [p, path.join(WEB_ROOT, p, 'index.html')]));
  await vite.build({
    configFile: false,
    root: WEB_ROOT,
    base: '/',
    logLevel: 'warn',
    publicDir: false,
    build: {
      outDir, emptyOutDir: true, rollupOptions: { input },
      // tfjs is large by nature; the warning would only be noise.
      chunkSizeWarningLimit: 8000,
      target: 'es2022',
    },
    plugins: [{
      name: 'stylegan-tfjs-wasm',
      generateBundle() {
        for (const f of wasmFiles()) this.emitFile({ type: 'asset', fileName: `wasm/${path.basename(f)}`, source: fs.readFileSync(f) });
        // The library files this bundle holds, for the freshness check (inputsUnchanged).
        const inputs: Record<string, string> = {};
        for (const id of this.getModuleIds()) {
          const file = id.split('?')[0];
          const rel = path.relative(REPO_ROOT, file);
          if (rel.startsWith('src' + path.sep) && fs.existsSync(file)) inputs[rel.split(path.sep).join('/')] = sha(fs.readFileSync(file));
        }
        this.emitFile({ type: 'asset', fileName: INPUTS, source: JSON.stringify(inputs, null, 1) });
      },
    }],
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock whose builder is gone, or older than any build takes. */
function lockIsStale(lock: string): boolean {
  const st = fs.statSync(lock, { throwIfNoEntry: false });
  if (!st) return false;
  let pid = NaN;
  try {
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8').trim());
  } catch { /* not written yet */ }
  if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) return true;
  // No pid yet (just created) is normal for a moment; a lock this old is abandoned whatever it says.
  return Date.now() - st.mtimeMs > 5 * 60_000;
}

export interface EnsureOptions {
  cacheDir?: string;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The folder of an up-to-date build, building it first if needed. Concurrent callers (two
 * commands, parallel tests) share one build through a lock folder instead of racing.
 */
export async function ensureWebBuild(o: EnsureOptions = {}): Promise<string> {
  const prebuilt = process.env.STYLEGAN_WEB_DIST;
  if (prebuilt) {
    if (!isComplete(prebuilt)) throw new Error(`STYLEGAN_WEB_DIST=${prebuilt} does not hold a complete web build`);
    return prebuilt;
  }
  // The compiled package (dist/web/build.js) carries its pages, built with it by `npm run build`;
  // the sources (tsx) build theirs on demand, so that they always show the working tree.
  const packaged = path.join(REPO_ROOT, 'dist', 'pages');
  if (import.meta.url.endsWith('.js') && isComplete(packaged)) return packaged;
  const cacheDir = o.cacheDir ?? defaultCacheDir();
  const hash = webKey();
  const final = path.join(cacheDir, hash);
  if (isFresh(final)) return final;
  fs.mkdirSync(cacheDir, { recursive: true });
  const lock = final + '.lock';
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (isFresh(final)) return final;
    // A builder that died (killed, or a dashboard whose trainer ended) leaves its lock behind.
    if (lockIsStale(lock)) fs.rmSync(lock, { recursive: true, force: true });
    await sleep(250);
  }
  try {
    if (isFresh(final)) return final;
    o.log?.('Building the web pages (once per version)...');
    const t0 = Date.now();
    const tmp = `${final}.tmp-${process.pid}`;
    await buildWeb(tmp);
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(tmp, final);
    o.log?.(`Built the web pages in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // Old builds are dead weight once a newer one exists (running servers hold theirs in memory).
    for (const e of fs.readdirSync(cacheDir)) {
      const tmpOf = /\.tmp-(\d+)$/.exec(e);
      const abandoned = (tmpOf !== null && !processAlive(Number(tmpOf[1]))) || (e.endsWith('.lock') && lockIsStale(path.join(cacheDir, e)));
      if ((e !== hash && /^[0-9a-f]{16}$/.test(e)) || abandoned) fs.rmSync(path.join(cacheDir, e), { recursive: true, force: true });
    }
    return final;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

// `npm run build:web [outDir]`: a standalone build (default web/dist), for hosting the pages
// elsewhere; `npm run build` writes dist/pages, the pages of the compiled package.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const out = path.resolve(process.argv[2] ?? path.join(WEB_ROOT, 'dist'));
  await buildWeb(out);
  console.log(`Built the web pages into ${out}`);
}
