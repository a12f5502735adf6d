/** `stylegan interpolate`: looping latent walks as an animated WebP/GIF (or MP4 with ffmpeg). */
import { parseFlags, parseNumber, parseSeeds, parseChoice, parseGrid, parseVec2, UsageError } from './args.js';
import { loadAnyNetwork } from './network.js';
import { joinNegativeValues } from './negative-values.js';
import { interpolate, walkSeeds } from '../sampling/interpolate.js';
import { checkAnimationTarget, tilesToRgb, writeAnimation } from '../data/study-output.js';
import { initNodeBackend, type BackendName } from '../backend/node.js';
import { hasInputTransform } from '../sampling/input-transform.js';

export const INTERPOLATE_HELP = `Usage: stylegan interpolate --network FILE --seeds LIST --out FILE [options]

A looping walk through the seeds' latents: slerp in Z or lerp in W. With --grid CxR, C*R walks
play side by side; the seeds are split evenly between them (cell i walks through the i-th
consecutive group, as NVIDIA's gen_video.py), so their number must be a multiple of C*R.
StyleGAN3 and StyleGAN-XL networks can also sweep a translation and/or rotation across the
frames (the equivariance videos), alone (one seed per walk: a fixed latent) or during a walk.

  --network FILE         a .safetensors checkpoint or an official StyleGAN / StyleGAN2-ADA .pkl
  --seeds LIST           keyframe seeds, e.g. 0,5,9
  --space z|w            interpolation space (default z)
  --frames N             frames of the whole loop (default 60)
  --fps N                frames per second (default 30)
  --grid CxR             walks side by side (default 1x1)
  --trunc PSI            truncation psi (default 1)
  --trunc-cutoff N       truncate only the first N styles (default: all)
  --class N              class of every keyframe, for conditional networks (StyleGAN2-ADA with labels, StyleGAN-XL)
  --classes LIST         one class per seed instead: walks cross classes (the one-hot labels are lerped)
  --noise-mode MODE      const | random | none (default const)
  --translate-sweep X,Y  StyleGAN3, XL: frame f of F moves the image by f/(F-1) * (X, Y) image widths
                         (as generate --translate: the first frame is untransformed, the last moved by X,Y)
  --rotate-sweep DEG     StyleGAN3, XL: frame f of F turns it by f/(F-1) * DEG degrees (counter-clockwise,
                         as generate --rotate)
  --out FILE             .webp or .gif (animated, through sharp); .mp4 needs ffmpeg on PATH
  --backend NAME         native | wasm | cpu | tensorflow | webgpu (default: fastest available)

Example:
  stylegan interpolate --network net.safetensors --seeds 0-7 --grid 4x2 --space w --frames 90 --out walk.webp
  stylegan interpolate --network imagenet128.pkl --seeds 1,2,3 --classes 1,207,980 --trunc 0.7 --out walk.webp
  stylegan interpolate --network stylegan3-r-afhqv2-512x512.pkl --seeds 0 --rotate-sweep 360 --frames 120 --out spin.webp
  stylegan interpolate --network stylegan3-t-ffhq-1024x1024.pkl --seeds 0-3 --grid 4x1 --translate-sweep 0.5,0 --out pan.mp4`;

export async function interpolateCommand(argv: string[]): Promise<void> {
  const { values: v } = parseFlags(joinNegativeValues(argv, ['trunc', 'translate-sweep', 'rotate-sweep']), {
    network: { type: 'string' }, seeds: { type: 'string' }, space: { type: 'string' }, frames: { type: 'string' },
    fps: { type: 'string' }, grid: { type: 'string' }, trunc: { type: 'string' }, 'trunc-cutoff': { type: 'string' }, class: { type: 'string' }, classes: { type: 'string' },
    'noise-mode': { type: 'string' }, 'translate-sweep': { type: 'string' }, 'rotate-sweep': { type: 'string' }, out: { type: 'string' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, 'interpolate');
  if (v.help) return void console.log(INTERPOLATE_HELP);
  if (!v.network) throw new UsageError('interpolate: --network is required (see stylegan interpolate --help)');
  if (!v.out) throw new UsageError('interpolate: --out is required (e.g. --out walk.webp)');
  const seeds = parseSeeds(v.seeds);
  const space = parseChoice(v.space, 'space', ['z', 'w'] as const, 'z');
  const frames = parseNumber(v.frames, 'frames', { int: true, min: 1, max: 10000, def: 60 });
  const fps = parseNumber(v.fps, 'fps', { min: 1, max: 100, def: 30 });
  const grid = parseGrid(v.grid, [1, 1]);
  const truncationPsi = parseNumber(v.trunc, 'trunc', { min: -10, max: 10, def: 1 });
  const truncationCutoff = v['trunc-cutoff'] === undefined ? undefined : parseNumber(v['trunc-cutoff'], 'trunc-cutoff', { int: true, min: 0 });
  if (v.class !== undefined && v.classes !== undefined) throw new UsageError('interpolate: give --class or --classes, not both');
  const classIdx = v.class === undefined ? undefined : parseNumber(v.class, 'class', { int: true, min: 0 });
  const classes = v.classes !== undefined ? v.classes.split(',').map((s) => parseNumber(s, 'classes', { int: true, min: 0 }))
    : classIdx !== undefined ? seeds.map(() => classIdx) : undefined;
  if (classes && classes.length !== seeds.length) throw new UsageError(`interpolate: --classes has ${classes.length} entries for ${seeds.length} seeds`);
  const noiseMode = parseChoice(v['noise-mode'], 'noise-mode', ['const', 'random', 'none'] as const, 'const');
  const sweep = v['translate-sweep'] === undefined && v['rotate-sweep'] === undefined ? undefined
    : { translate: parseVec2(v['translate-sweep'], 'translate-sweep'), rotate: parseNumber(v['rotate-sweep'], 'rotate-sweep', { min: -1e6, max: 1e6, def: 0 }) };
  try {
    walkSeeds(seeds, grid[0] * grid[1], sweep ? 1 : 2);
    checkAnimationTarget(v.out);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  await initNodeBackend(v.backend as BackendName | undefined, false, { gradients: false });
  const G = await loadAnyNetwork(v.network);
  try {
    if (sweep && !hasInputTransform(G)) throw new UsageError(`interpolate: --translate-sweep / --rotate-sweep need a StyleGAN3 or StyleGAN-XL network (${v.network} is '${G.cfg.arch}')`);
    const { imgResolution: r, imgChannels: c } = G.cfg;
    const out: Uint8Array[] = [];
    let size = { width: 0, height: 0 };
    await interpolate(G, seeds, { space, frames, grid, truncationPsi, truncationCutoff, noiseMode, classes, sweep }, (i, cells) => {
      const g = tilesToRgb(cells, r, c, grid[0]);
      size = g;
      out.push(g.data);
      if (process.stdout.isTTY) process.stdout.write(`\rframe ${i + 1}/${frames}`);
    });
    if (process.stdout.isTTY) process.stdout.write('\n');
    await writeAnimation(v.out, out, size.width, size.height, fps);
    const swept = sweep ? `, sweeping${sweep.translate.some((x) => x !== 0) ? ` translate to ${sweep.translate.join(',')}` : ''}${sweep.rotate !== 0 ? ` rotate to ${sweep.rotate} deg` : ''}` : '';
    console.log(`Wrote ${v.out}: ${frames} frames, ${size.width}x${size.height}, ${space}-space walk through ${seeds.length} seeds${swept}`);
  } finally {
    G.dispose();
  }
}
