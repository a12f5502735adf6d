/**
 * The package as a user gets it. `npm pack`, then in an empty folder an install of the tarball
 * without the network (every dependency from npm's cache, where `npm ci` left it), and there:
 * `npx stylegan generate` on the official fixture, a plain .mjs importing `stylegan` and
 * `stylegan/node`, a Vite bundle of a page importing `stylegan` that must not pull in a Node
 * built-in, and the API reference from the TSDoc comments (typedoc). Builds dist/ first when
 * the sources are newer (a fresh clone's `npm ci` has just built it).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = path.join(ROOT, 'test/fixtures/stylegan2-ada-tiny');
const LONG = 15 * 60_000; // a loaded 2-core machine compiles the addon in minutes, an idle one in ~20 s
let tmp = '';
let app = ''; // the empty folder the tarball is installed into
let files: string[] = []; // the tarball's file list

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: LONG });
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${x.message}\n${x.stdout ?? ''}\n${x.stderr ?? ''}`);
  }
}

function newestMtime(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).filter((e) => e !== 'dist' && e !== 'node_modules').map((e) => newestMtime(path.join(p, e))));
}

/** dist/ older than anything it is built from: rebuild, so that the tarball holds the working tree. */
function buildIfStale(): void {
  const stamp = path.join(ROOT, 'dist/pages/inputs.json'); // the build's last step
  const inputs = ['src', 'web', 'tsconfig.json', 'tsconfig.build.json', 'package.json'].map((p) => path.join(ROOT, p));
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= Math.max(...inputs.map(newestMtime))) return;
  run('npm', ['run', 'build'], ROOT);
}

/**
 * An empty project depending on the tarball, with a lockfile that pins every dependency to the
 * version, URL and integrity in our own package-lock.json (its non-dev entries): `npm ci
 * --offline` then takes them all from npm's cache by integrity (a plain `npm install --offline`
 * would need registry metadata that `npm ci` does not cache).
 */
function makeApp(tarball: string, dir: string): void {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const name = path.basename(tarball);
  fs.copyFileSync(tarball, path.join(dir, name));
  const integrity = 'sha512-' + crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64');
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { stylegan: `file:${name}` } },
    'node_modules/stylegan': {
      version: pkg.version, resolved: `file:${name}`, integrity, hasInstallScript: true,
      license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines,
    },
  };
  for (const [k, v] of Object.entries(lock.packages as Record<string, Record<string, unknown>>)) {
    if (k === '' || v.dev || v.link) continue;
    const { devOptional, ...rest } = v;
    packages[k] = devOptional ? { ...rest, optional: true } : rest;
  }
  // npm >= 11.19 runs a dependency's install script only when allowed: ours builds the native addon.
  const app = { name: 'app', private: true, type: 'module', dependencies: { stylegan: `file:${name}` }, allowScripts: { stylegan: true } };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(app, null, 1));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 1));
}

/** Max |a - b| over two PNG files' pixels. */
async function pngDiff(a: string, b: string): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((f) => sharp(f).removeAlpha().raw().toBuffer()));
  assert.equal(x.length, y.length, `${a} vs ${b}: sizes`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-package-'));
  app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  buildIfStale();
  const [packed] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT));
  files = (packed.files as Array<{ path: string }>).map((f) => f.path);
  makeApp(path.join(tmp, packed.filename), app);
  run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], app);
}, { timeout: 2 * LONG });

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the tarball holds the compiled code, types, bin, native sources and the built web pages; no tests', () => {
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/node.js', 'dist/node.d.ts', 'dist/cli/run.js',
    'bin/stylegan.js', 'native/build.mjs', 'native/binding.gyp', 'native/src/addon.cc',
    'dist/pages/playground/index.html', 'dist/pages/dashboard/index.html', 'dist/pages/wasm/tfjs-backend-wasm-simd.wasm']) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  assert.deepEqual(files.filter((f) => /^(test|runs|node_modules|native\/build)\//.test(f)), []);
});

test('the code imports tfjs-core and the backends it uses; the @tensorflow/tfjs umbrella only for gradients in Node', () => {
  const umbrella = files.filter((f) => /^dist\/.*\.js$/.test(f))
    .filter((f) => /from ['"]@tensorflow\/tfjs['"]|import\(['"]@tensorflow\/tfjs['"]\)/.test(fs.readFileSync(path.join(app, 'node_modules/stylegan', f), 'utf8')));
  assert.deepEqual(umbrella, ['dist/backend/node.js']);
});

test('installed without the network: npx stylegan generate writes the official images', { timeout: LONG }, async () => {
  const installed = path.join(app, 'node_modules/stylegan');
  // The install script built the addon here whenever it builds in the repository.
  if (fs.existsSync(path.join(ROOT, 'native/build/Release/stylegan_native.node'))) {
    assert.ok(fs.existsSync(path.join(installed, 'native/build/Release/stylegan_native.node')), 'native addon built at install');
  }
  const out = path.join(app, 'out');
  const r = run('npx', ['--offline', 'stylegan', 'generate', '--network', path.join(FIXTURE, 'network.pkl'), '--seeds', '0-1', '--outdir', out], app);
  assert.match(r, /Wrote 2 images/);
  for (const s of ['0000', '0001']) {
    const d = await pngDiff(path.join(out, `seed${s}.png`), path.join(FIXTURE, `seed${s}-psi1.0.png`));
    assert.ok(d <= 1, `seed${s}.png differs from the official PNG by ${d} levels`);
  }
  assert.match(run('npx', ['--offline', 'stylegan', '--help'], app), /generate/);
});

test('a plain .mjs imports stylegan and stylegan/node (the README library example)', { timeout: LONG }, async () => {
  fs.writeFileSync(path.join(app, 'lib.mjs'), `
import fs from 'node:fs';
import { loadGenerator, generateImages, toUint8 } from 'stylegan';
import { initNodeBackend, writePng } from 'stylegan/node';

const backend = await initNodeBackend();
const G = loadGenerator(fs.readFileSync(process.argv[2]), 'network.pkl');
const [img] = await generateImages(G, [1], { truncationPsi: 0.5 });
await writePng('lib.png', toUint8(img.data), img.resolution, img.resolution);
console.log(JSON.stringify({ backend, arch: G.cfg.arch, resolution: img.resolution }));
`);
  const info = JSON.parse(run(process.execPath, ['lib.mjs', path.join(FIXTURE, 'network.pkl')], app).trim().split('\n').pop()!);
  assert.equal(info.arch, 'stylegan2');
  assert.equal(info.resolution, 32);
  assert.ok(await pngDiff(path.join(app, 'lib.png'), path.join(FIXTURE, 'seed0001-psi0.5.png')) <= 1);
});

test('Vite bundles a page importing stylegan; no stylegan module pulls in a Node built-in', { timeout: LONG }, async () => {
  const page = path.join(app, 'page');
  fs.mkdirSync(page);
  fs.writeFileSync(path.join(page, 'index.html'), '<!doctype html><canvas id="c"></canvas><script type="module" src="./main.js"></script>\n');
  fs.writeFileSync(path.join(page, 'main.js'), `
import { initBackend, loadGenerator, generateImages, toUint8 } from 'stylegan';
await initBackend(['wasm', 'cpu']);
const bytes = new Uint8Array(await (await fetch('network.pkl')).arrayBuffer());
const G = loadGenerator(bytes, 'network.pkl');
const [img] = await generateImages(G, [0], { truncationPsi: 0.7 });
console.log(toUint8(img.data).length);
`);
  const vite = await import('vite');
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const imported: string[] = [];
  await vite.build({
    configFile: false, root: page, logLevel: 'silent',
    build: { outDir: path.join(page, 'dist'), target: 'es2022', chunkSizeWarningLimit: 1e9 },
    plugins: [{
      name: 'no-node-builtins',
      enforce: 'pre',
      // Ours only: tfjs' emscripten and platform files name Node modules behind runtime checks.
      resolveId(id, importer) {
        if (importer?.includes(`${path.sep}node_modules${path.sep}stylegan${path.sep}`) && (builtins.has(id) || id === 'sharp')) imported.push(`${id} (from ${importer})`);
        return null;
      },
    }],
  });
  assert.deepEqual(imported, [], 'Node built-ins in the browser bundle');
  const js = fs.readdirSync(path.join(page, 'dist/assets')).filter((f) => f.endsWith('.js'));
  assert.ok(js.length > 0);
});

test('typedoc builds the API reference of stylegan and stylegan/node from the TSDoc comments', { timeout: LONG }, () => {
  const out = path.join(tmp, 'api');
  run(process.execPath, [path.join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--out', out, '--treatWarningsAsErrors', 'false'], ROOT);
  const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  assert.match(html, /stylegan/);
  const pages = fs.readdirSync(out, { recursive: true }).map(String);
  for (const fn of ['loadGenerator', 'generateImages', 'initNodeBackend']) {
    assert.ok(pages.some((p) => p.endsWith(`${fn}.html`)), `a page for ${fn}`);
  }
});
