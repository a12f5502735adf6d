/**
 * The process entry of the CLI: `node dist/cli/run.js ARGS` (what bin/stylegan.js loads), or
 * `node --import tsx src/cli/run.ts ARGS` from the sources (the tests, no build needed).
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
