#!/usr/bin/env node
// The `stylegan` command: the compiled CLI in dist/ (`npm run build`; `npm ci` builds it). A
// development checkout without a build runs the TypeScript sources through tsx (a dev
// dependency) instead: node --import tsx src/cli/run.ts ARGS does the same explicitly.
import fs from 'node:fs';

const entry = new URL('../dist/cli/run.js', import.meta.url);
if (fs.existsSync(entry)) {
  await import(entry.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error('stylegan: dist/ is missing; run `npm run build` in the stylegan folder (npm ci does it too)');
    process.exit(1);
  }
  register();
  await import(new URL('../src/cli/run.ts', import.meta.url).href);
}
