/**
 * How the tests run the CLI as a user would, in a child process: from the TypeScript sources
 * through tsx (`node --import tsx src/cli/run.ts`), so they test the working tree and never a
 * stale dist/. The compiled CLI (bin/stylegan.js -> dist/) is tested from a packed tarball
 * (test/package/package.test.ts).
 */
import { fileURLToPath } from 'node:url';

export const CLI_ENTRY = fileURLToPath(new URL('../src/cli/run.ts', import.meta.url));

/** node arguments before the CLI's own: `spawn(process.execPath, [...cliArgs(), 'generate', ...])`. */
export function cliArgs(): string[] {
  return ['--import', 'tsx', CLI_ENTRY];
}
