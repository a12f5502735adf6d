/** `stylegan compare`: flags only; the work is runCompare(). */
import { parseFlags, parseNumber, UsageError } from './args.js';
import { initNodeBackend, type BackendName } from '../backend/node.js';
import { COMPARE_ARCHS, NOT_TRAINABLE, checkArchs, runCompare, type Budget } from '../training/compare.js';
import { swdResolutions } from '../metrics/swd.js';

const ALL = [...COMPARE_ARCHS, ...Object.keys(NOT_TRAINABLE)];

export const COMPARE_HELP = `Usage: stylegan compare --data DIR --resolution N --archs LIST (--minutes N | --kimg N) --outdir DIR [options]

Rebuilds the comparison table of the baseline GANs and the StyleGANs on your images: trains each
arch in turn with the same budget, images and seed (in OUTDIR/<arch>, resumable: run the same
command again after a stop), then evaluates every final generator on the same real images.
Writes table.md, table.json, samples.png (8 samples per arch) and curves.png (SWD over training
time). StyleGAN-XL is listed with its published FID (not trained here).

  --data PATH            folder or .zip of images (default: the bundled emoji set)
  --resolution N         16, 32, 64, ... (default 32; SWD needs >= 16)
  --archs LIST           comma-separated, in table order (default: all of ${ALL.join(',')})
  --minutes N            training minutes per arch (metric and snapshot time not counted)
  --kimg N               thousands of real images per arch
  --outdir DIR           output folder (required)
  --inception FILE       FID Inception weights (see stylegan metrics --help): adds FID and KID
  --num N                generated and real images per metric (default 10000)
  --tick N               kimg per tick (default: kimg budget / 10, else 1)
  --metrics-every N      ticks between training-time SWD snapshots for curves.png; 0 = none (default 1)
  --max-images N         use only the first N training images
  --seed N               seed of every run (default 0)
  --backend NAME         native | wasm | cpu | tensorflow | webgpu (default: fastest available)

Example:
  stylegan compare --resolution 32 --archs gan,dcgan,lsgan,stylegan2 --kimg 200 --outdir runs/compare`;

export async function compareCommand(argv: string[]): Promise<void> {
  const { values: v } = parseFlags(argv, {
    data: { type: 'string' }, resolution: { type: 'string' }, archs: { type: 'string' }, minutes: { type: 'string' }, kimg: { type: 'string' },
    outdir: { type: 'string' }, inception: { type: 'string' }, num: { type: 'string' }, tick: { type: 'string' }, 'metrics-every': { type: 'string' },
    'max-images': { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, 'compare');
  if (v.help) return void console.log(COMPARE_HELP);
  if (!v.outdir) throw new UsageError('compare: --outdir is required (see stylegan compare --help)');
  if ((v.minutes === undefined) === (v.kimg === undefined)) throw new UsageError('compare: give the budget as --minutes N or --kimg N (one of them)');
  const budget: Budget = v.minutes !== undefined ? { minutes: parseNumber(v.minutes, 'minutes', { min: 0.01 }) } : { kimg: parseNumber(v.kimg, 'kimg', { min: 0.001 }) };
  const resolution = parseNumber(v.resolution, 'resolution', { int: true, min: 16, max: 1024, def: 32 });
  if (!Number.isInteger(Math.log2(resolution)) || swdResolutions(resolution).length === 0) throw new UsageError(`--resolution must be a power of two >= 16, got ${resolution}`);
  const archs = (v.archs ?? ALL.join(',')).split(',').map((a) => a.trim()).filter(Boolean);
  try {
    checkArchs(archs);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const num = parseNumber(v.num, 'num', { int: true, min: 16, def: 10000 });
  const tick = parseNumber(v.tick, 'tick', { min: 0.001, def: 'kimg' in budget ? budget.kimg / 10 : 1 });
  const metricsEvery = parseNumber(v['metrics-every'], 'metrics-every', { int: true, min: 0, def: 1 });
  const seed = parseNumber(v.seed, 'seed', { int: true, min: 0, max: 0xffffffff, def: 0 });
  const maxImages = v['max-images'] === undefined ? undefined : parseNumber(v['max-images'], 'max-images', { int: true, min: 1 });
  await initNodeBackend(v.backend as BackendName | undefined);

  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nStopping: writing a snapshot (press Ctrl-C again to quit at once)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const r = await runCompare({
      data: v.data, resolution, archs, budget, outdir: v.outdir, inception: v.inception, num, tick, metricsEvery, seed, maxImages,
      signal: controller.signal, log: (l) => process.stderr.write(l + '\n'),
    });
    if (r.complete) console.log(`Table: ${v.outdir}/table.md`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
