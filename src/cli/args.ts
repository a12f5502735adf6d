/** Flag parsing and validation shared by the commands; every problem is a one-line UsageError. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** `--kimg -1` as `--kimg=-1`: parseArgs would call a value starting with '-' ambiguous, hiding the real problem (a negative number). */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([^=]+)$/.exec(argv[i])?.[1];
    const next = argv[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d|inf|nan)/i.test(next)) out.push(`${argv[i]}=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>>;

export function parseFlags<O extends Options>(argv: string[], options: O, command: string): Parsed<O> {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals: true });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(`${command}: ${msg} (see stylegan ${command} --help)`);
  }
}

export function parseNumber(v: string | undefined, flag: string, o: { min?: number; max?: number; int?: boolean; def?: number } = {}): number {
  if (v === undefined) {
    if (o.def === undefined) throw new UsageError(`--${flag} is required`);
    return o.def;
  }
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got '${v}'`);
  if (o.int && !Number.isInteger(n)) throw new UsageError(`--${flag} must be an integer, got '${v}'`);
  if (o.min !== undefined && n < o.min) throw new UsageError(`--${flag} must be >= ${o.min}, got ${v}`);
  if (o.max !== undefined && n > o.max) throw new UsageError(`--${flag} must be <= ${o.max}, got ${v}`);
  return n;
}

/** '0-7,12' -> [0..7, 12], as NVIDIA's num_range. */
export function parseSeeds(v: string | undefined, flag = 'seeds'): number[] {
  if (!v) throw new UsageError(`--${flag} is required (e.g. --${flag} 0-7,12)`);
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UsageError(`--${flag}: '${part}' is not a seed or a range like 0-7`);
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new UsageError(`--${flag}: range '${part}' ends before it starts`);
    if (b > 0xffffffff) throw new UsageError(`--${flag}: seeds must be < 2^32, got '${part}'`);
    if (b - a > 100000) throw new UsageError(`--${flag}: range '${part}' is too long`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out;
}

export function parseChoice<T extends string>(v: string | undefined, flag: string, choices: readonly T[], def: T): T {
  if (v === undefined) return def;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${flag} must be one of ${choices.join(', ')}, got '${v}'`);
  return v as T;
}

export function parseGrid(v: string | undefined, def: [number, number]): [number, number] {
  if (v === undefined) return def;
  const m = /^(\d+)x(\d+)$/.exec(v);
  if (!m || +m[1] < 1 || +m[2] < 1 || +m[1] * +m[2] > 1024) throw new UsageError(`--grid must look like 8x4 (columns x rows), got '${v}'`);
  return [+m[1], +m[2]];
}

/** 'X,Y' -> [X, Y] (gen_images.py's parse_vec2); undefined -> [0, 0]. */
export function parseVec2(v: string | undefined, flag: string): [number, number] {
  if (v === undefined) return [0, 0];
  const parts = v.split(',');
  const xy = parts.map((p) => Number(p));
  if (parts.length !== 2 || parts.some((p) => p.trim() === '') || xy.some((n) => !Number.isFinite(n))) throw new UsageError(`--${flag} must look like 0.3,0.1, got '${v}'`);
  return [xy[0], xy[1]];
}
