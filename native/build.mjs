#!/usr/bin/env node
// `npm install` hook: builds the native backend's addon (native/build/Release/stylegan_native.node).
// Installs libopenblas-dev first when it is missing and we may (root + apt-get). Never fails the
// install: on any problem it says so in one line and the runtime falls back to wasm.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function giveUp(reason) {
  console.error(`native backend not built: ${reason}; using wasm`);
  process.exit(0);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 600_000, ...opts });
  const lines = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const err = lines.find((l) => /error/i.test(l)) ?? lines[lines.length - 1] ?? '';
  return { ok: r.status === 0, why: r.error ? r.error.message : `${cmd} exited ${r.status}: ${err}` };
}

/** The linker needs the unversioned libopenblas.so, which only the -dev package provides. */
function hasOpenBlas() {
  const dirs = ['/usr/lib', '/usr/lib64', '/usr/local/lib'];
  try {
    for (const d of fs.readdirSync('/usr/lib')) if (d.endsWith('-linux-gnu')) dirs.push(path.join('/usr/lib', d));
  } catch { /* not Linux */ }
  return dirs.some((d) => fs.existsSync(path.join(d, 'libopenblas.so')));
}

if (process.env.STYLEGAN_SKIP_NATIVE) giveUp('STYLEGAN_SKIP_NATIVE is set');
if (process.platform !== 'linux') giveUp(`only Linux builds are set up (this is ${process.platform})`);

if (!hasOpenBlas()) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !run('sh', ['-c', 'command -v apt-get']).ok) giveUp('OpenBLAS is missing (install libopenblas-dev)');
  console.error('stylegan: installing libopenblas-dev for the native backend');
  const apt = run('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas-dev'], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (!apt.ok || !hasOpenBlas()) giveUp(`could not install libopenblas-dev (${apt.why})`);
}

// node-gyp ships with npm; npm tells its scripts where, otherwise look beside this node.
const prefix = path.dirname(path.dirname(process.execPath));
const gyp = [process.env.npm_config_node_gyp, path.join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')]
  .find((p) => p && fs.existsSync(p));
if (!gyp) giveUp('node-gyp not found (it comes with npm)');
// Headers from this node's own install, so nothing is downloaded.
const args = [gyp, 'rebuild'];
if (fs.existsSync(path.join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
const built = run(process.execPath, args, { cwd: here });
if (!built.ok) giveUp(built.why);
console.error('stylegan: native backend built (native/build/Release/stylegan_native.node)');
