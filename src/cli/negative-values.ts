/**
 * util.parseArgs reads `--psi -1,0.5` as a missing value followed by an unknown option; NVIDIA's
 * scripts (click) accept it. Rewrites `--flag -<number...>` to `--flag=-<number...>` for the
 * given flags before parsing.
 */
export function joinNegativeValues(argv: string[], flags: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], next = argv[i + 1];
    if (flags.includes(a.replace(/^--/, '')) && a.startsWith('--') && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}
