/**
 * Class names for a conditional network's class picker: a text file with one name per line
 * (line i = class i), or StyleGAN-XL's media/imagenet_idx2labels.txt (a Python dict literal,
 * `{0: 'tench, Tinca tinca',\n 1: ...}`). Browser-safe.
 */

/** Names by class index; errors name `source` and the line. */
export function parseClassNames(text: string, source: string, cDim: number): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  const dict = /^\s*\{?\s*\d+\s*:/.test(lines[0] ?? '');
  const names: string[] = [];
  lines.forEach((line, i) => {
    if (!dict) { names.push(line.trim()); return; }
    const m = /^\s*\{?\s*(\d+)\s*:\s*(['"])(.*)\2\s*,?\s*\}?\s*$/.exec(line);
    if (!m) throw new Error(`${source}:${i + 1}: expected "N: 'name',"`);
    if (Number(m[1]) !== names.length) throw new Error(`${source}:${i + 1}: class ${m[1]} out of order (expected ${names.length})`);
    names.push(m[3].replace(/\\(['"\\])/g, '$1'));
  });
  if (names.length < cDim) throw new Error(`${source}: ${names.length} class names for a network with ${cDim} classes`);
  return names.slice(0, cDim);
}

/** The class names a network's config carries (conditional networks trained here), when there is one per class. */
export function networkClassNames(cfg: { cDim?: number; classNames?: unknown }): string[] | undefined {
  const names = cfg.classNames, cDim = cfg.cDim ?? 0;
  if (!cDim || !Array.isArray(names) || names.length !== cDim || !names.every((n) => typeof n === 'string')) return undefined;
  return names as string[];
}
