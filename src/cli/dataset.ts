/** `stylegan dataset`: flags only; the work is convertDataset() (src/data/dataset-tool.ts). */
import { parseFlags, parseChoice, parseNumber, UsageError } from './args.js';
import { convertDataset, type DatasetTransform } from '../data/dataset-tool.js';

export const DATASET_HELP = `Usage: stylegan dataset --source DIR|ZIP --dest OUT.zip|DIR [options]

Writes a data set in NVIDIA's dataset_tool.py layout (stylegan2-ada-pytorch, stylegan3): images
as uncompressed PNGs 00000/img00000000.png ... in a stored zip (or a folder), and dataset.json
with the class labels ({"labels": [["00000/img00000000.png", 6], ...]} or null). Labels come
from the source's dataset.json, else from its sub-folders (one per class; the names are kept as
"class_names"). Files that cannot be used are skipped, each with a one-line reason.

  --source PATH          folder (searched recursively) or .zip of PNG/JPEG/WebP images
  --dest PATH            output .zip or an empty folder
  --resolution WxH       output size (default: the images' own, which must then be square)
  --transform NAME       center-crop: crop the largest centred square, then resize;
                         center-crop-wide: crop to W:H, resize to WxH, centre on a black WxW
                         canvas (images narrower than W are skipped)
  --subset N             only the first N source images (NVIDIA's --max-images)

Example:
  stylegan dataset --source ~/photos --dest photos-256.zip --resolution 256x256 --transform center-crop
  stylegan train --arch stylegan2 --data photos-256.zip --resolution 256 --outdir runs/photos`;

export async function datasetCommand(argv: string[]): Promise<void> {
  const { values: v } = parseFlags(argv, {
    source: { type: 'string' }, dest: { type: 'string' }, resolution: { type: 'string' }, transform: { type: 'string' }, subset: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, 'dataset');
  if (v.help) return void console.log(DATASET_HELP);
  if (!v.source) throw new UsageError('dataset: --source is required (see stylegan dataset --help)');
  if (!v.dest) throw new UsageError('dataset: --dest is required (see stylegan dataset --help)');
  let width: number | undefined, height: number | undefined;
  if (v.resolution !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(v.resolution);
    if (!m) throw new UsageError(`--resolution must be WxH (e.g. 256x256), got '${v.resolution}'`);
    [width, height] = [Number(m[1]), Number(m[2])];
    if (width < 1 || height < 1 || width > 8192 || height > 8192) throw new UsageError(`--resolution must be between 1x1 and 8192x8192, got '${v.resolution}'`);
  }
  const transform = v.transform === undefined ? undefined : parseChoice(v.transform, 'transform', ['center-crop', 'center-crop-wide'] as const, 'center-crop') as DatasetTransform;
  if (transform && width === undefined) throw new UsageError(`--transform ${transform} needs --resolution WxH`);
  const subset = v.subset === undefined ? undefined : parseNumber(v.subset, 'subset', { int: true, min: 1 });
  const tty = process.stderr.isTTY;
  let lastPrint = 0;
  const bar = (done: number, total: number, skipped: number) => {
    const now = Date.now();
    if (done < total && now - lastPrint < (tty ? 100 : 10000)) return;
    lastPrint = now;
    const width = 30, fill = Math.round((done / total) * width);
    const line = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total}${skipped ? `, ${skipped} skipped` : ''}`;
    process.stderr.write(tty ? `\r${line}` : line + '\n');
  };
  const r = await convertDataset({
    source: v.source, dest: v.dest, width, height, transform, subset, onProgress: bar,
    onSkip: (name, reason) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}skipped ${name}: ${reason}\n`),
  });
  if (tty) process.stderr.write('\n');
  console.log(`Wrote ${r.written} images (${r.resolution}x${r.resolution})${r.labels ? `, labels${r.classNames ? ` (${r.classNames.length} classes: ${r.classNames.slice(0, 5).join(', ')}${r.classNames.length > 5 ? ', ...' : ''})` : ''}` : ', no labels'} to ${v.dest}${r.skipped ? `; skipped ${r.skipped}` : ''}`);
}
