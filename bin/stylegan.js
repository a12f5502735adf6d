#!/usr/bin/env node
// The `stylegan` command: the compiled CLI in dist/ (`npm run build`; `npm ci` builds it).
// From the TypeScript sources without a build: node --import tsx src/cli/run.ts ARGS
import fs from 'node:fs';

const entry = new URL('../dist/cli/run.js', import.meta.url);
if (!fs.existsSync(entry)) {
  console.error('stylegan: dist/ is missing; run `npm run build` in the stylegan folder (npm ci does it too)');
  process.exit(1);
}
await import(entry.href);
