/** `stylegan generate`: images for seeds, like NVIDIA's generate.py. */
import fs from 'node:fs';
import type * as tf from '@tensorflow/tfjs-core';
import path from 'node:path';
import { parseFlags, parseNumber, parseSeeds, parseChoice, parseVec2, UsageError } from './args.js';
import { generateImages, networkFromSnapshot } from '../sampling/generate.js';
import { atGrowthStage } from '../sampling/growth-stage.js';
import { snapshotSchedule } from '../training/schedule.js';
import type { Generator } from '../networks/stylegan/generator.js';
import type { GeneratorLike } from '../networks/generator-api.js';
import { readNetworkFile } from './network.js';
import { setTranslateRotate } from '../sampling/input-transform.js';
import { writePng } from '../data/grid.js';
import { toUint8For } from '../data/uint8.js';
import { readCentroids } from '../sampling/centroids.js';
import { readProjectedWs, synthesizeProjected } from '../sampling/projected-w.js';
import { initNodeBackend, type BackendName } from '../backend/node.js';
import { mark, printMarks } from './startup-times.js';

export const GENERATE_HELP = `Usage: stylegan generate --network FILE (--seeds LIST | --projected-w FILE) --outdir DIR [options]

Writes seedSSSS.png for each seed; z = NumPy's RandomState(seed).randn(1, zDim), as NVIDIA's generate.py.
With --projected-w, writes projNN.png for each row of the projector's w instead.

  --network FILE         a .safetensors checkpoint (ours), an official StyleGAN .pkl, or a rosinality .pt
  --seeds LIST           e.g. 0-7,12
  --projected-w FILE     a projected_w.npz (key 'w', [N, numWs, wDim]): synthesize these ws
  --trunc PSI            truncation psi (default 1)
  --trunc-cutoff N       truncate only the first N styles (default: all)
  --class N              class index, for conditional networks (StyleGAN2-ADA with labels, StyleGAN-XL:
                         required there; truncation goes towards the class's w_avg)
  --centroids-path FILE  StyleGAN-XL: multimodal truncation towards the nearest of these w centroids
                         (a float .npy [K, wDim], e.g. the published imagenet_centroids.npy), as gen_images.py
  --noise-mode MODE      const | random | none (default const)
  --translate X,Y        StyleGAN3, XL: move the image by X, Y image widths (0.5 = half the image), as gen_images.py
  --rotate DEG           StyleGAN3, XL: rotate the image by DEG degrees (counter-clockwise), as gen_images.py
  --outdir DIR           output folder (required)
  --batch N              images per forward pass (default 8)
  --backend NAME         native | wasm | cpu | tensorflow | webgpu (default: fastest available)

Example:
  stylegan generate --network runs/emoji/network-snapshot-000040.safetensors --seeds 0-15 --trunc 0.7 --outdir out
  stylegan generate --network stylegan3-t-ffhq-1024x1024.pkl --seeds 0 --translate 0.3,0.1 --rotate 30 --outdir out`;

/** --class: an index, or one of the names a conditional network was trained with (sub-folder names). */
export function classIndex(arg: string, names: string[] | undefined, network: string): number {
  if (/^\d+$/.test(arg)) return parseNumber(arg, 'class', { int: true, min: 0 });
  const i = names?.indexOf(arg) ?? -1;
  if (i < 0) throw new UsageError(names ? `--class '${arg}' is not one of ${network}'s classes: ${names.join(', ')}` : `--class must be a class index: ${network} has no class names`);
  return i;
}

export async function generateCommand(argv: string[]): Promise<void> {
  mark('modules');
  const { values: v } = parseFlags(argv, {
    network: { type: 'string' }, seeds: { type: 'string' }, 'projected-w': { type: 'string' }, trunc: { type: 'string' }, 'trunc-cutoff': { type: 'string' }, class: { type: 'string' },
    'noise-mode': { type: 'string' }, 'centroids-path': { type: 'string' }, translate: { type: 'string' }, rotate: { type: 'string' }, outdir: { type: 'string' }, batch: { type: 'string' }, backend: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, 'generate');
  if (v.help) return void console.log(GENERATE_HELP);
  if (!v.network) throw new UsageError('generate: --network is required (see stylegan generate --help)');
  if (!v.outdir) throw new UsageError('generate: --outdir is required');
  const projected = v['projected-w'];
  if (projected !== undefined && v.seeds !== undefined) throw new UsageError('generate: give --seeds or --projected-w, not both');
  const seeds = projected === undefined ? parseSeeds(v.seeds) : [];
  const truncationPsi = parseNumber(v.trunc, 'trunc', { min: -10, max: 10, def: 1 });
  const truncationCutoff = v['trunc-cutoff'] === undefined ? undefined : parseNumber(v['trunc-cutoff'], 'trunc-cutoff', { int: true, min: 0 });
  const classArg = v.class;
  const noiseMode = parseChoice(v['noise-mode'], 'noise-mode', ['const', 'random', 'none'] as const, 'const');
  const batch = parseNumber(v.batch, 'batch', { int: true, min: 1, max: 256, def: 8 });
  const translate = parseVec2(v.translate, 'translate');
  const rotate = parseNumber(v.rotate, 'rotate', { min: -1e6, max: 1e6, def: 0 });
  await initNodeBackend(v.backend as BackendName | undefined, false, { gradients: false, autoWebgpu: true });
  mark('backend');
  const snapshot = readNetworkFile(v.network);
  let G = networkFromSnapshot(snapshot, v.network);
  mark('network');
  // Saved mid-growth: show what its fakes grid shows, not the untrained full-resolution layers.
  const { imgResolution: full } = snapshot.config;
  const stage = snapshot.config.arch === 'stylegan' ? snapshotSchedule(snapshot.training, full) : undefined;
  if (stage && (stage.res < full || stage.alpha < 1)) {
    G = atGrowthStage(G as Generator, stage);
    console.error(`note: ${v.network} was saved mid-growth: images at ${stage.res} px${stage.alpha < 1 ? ` (fade-in ${stage.alpha.toFixed(2)})` : ''}, upsampled to ${full} px`);
  }
  try {
    setTranslateRotate(G, translate, rotate);
  } catch (e) {
    G.dispose();
    throw new UsageError(`generate: ${v.network}: ${(e as Error).message}`);
  }
  if (projected !== undefined) return generateProjected(G, projected, v.outdir, noiseMode);
  let centroids: tf.Tensor2D | undefined;
  try {
    const classIdx = classArg === undefined ? undefined : classIndex(classArg, (snapshot.config as { classNames?: string[] }).classNames, v.network);
    if (v['centroids-path'] !== undefined) {
      if (G.cfg.arch !== 'stylegan-xl') throw new UsageError(`generate: --centroids-path is for StyleGAN-XL networks (${v.network} is '${G.cfg.arch}')`);
      if (!fs.existsSync(v['centroids-path'])) throw new UsageError(`--centroids-path: file not found: ${v['centroids-path']}`);
      centroids = readCentroids(fs.readFileSync(v['centroids-path']), v['centroids-path'], G.cfg.wDim);
    }
    fs.mkdirSync(v.outdir, { recursive: true });
    // Each family's PNG as its official script writes it (StyleGAN-XL: (x + 1) * 255 / 2, not x * 127.5 + 128).
    const toUint8 = toUint8For(G.cfg.arch);
    // A batch at a time, written as it comes: the first PNG does not wait for the last batch.
    for (let i = 0; i < seeds.length; i += batch) {
      const images = await generateImages(G, seeds.slice(i, i + batch), { truncationPsi, truncationCutoff, noiseMode, batch, classIdx, ...(centroids && { centroids }) });
      for (const img of images) {
        const file = path.join(v.outdir, `seed${String(img.seed).padStart(4, '0')}.png`);
        await writePng(file, toUint8(img.data), img.resolution, img.resolution);
        if (img === images[0] && i === 0) mark('first');
      }
    }
    mark('all');
    printMarks();
    console.log(`Wrote ${seeds.length} images to ${v.outdir}`);
  } finally {
    centroids?.dispose();
    G.dispose();
  }
}

/** generate.py's --projected-w: projNN.png per row of w (truncation and seeds do not apply). */
async function generateProjected(G: GeneratorLike, file: string, outdir: string, noiseMode: 'const' | 'random' | 'none'): Promise<void> {
  try {
    if (!fs.existsSync(file)) throw new Error(`--projected-w: file not found: ${file}`);
    const ws = readProjectedWs(fs.readFileSync(file), file, G.numWs, G.cfg.wDim);
    fs.mkdirSync(outdir, { recursive: true });
    const images = await synthesizeProjected(G, ws, { noiseMode });
    for (const img of images) {
      await writePng(path.join(outdir, `proj${String(img.seed).padStart(2, '0')}.png`), toUint8For(G.cfg.arch)(img.data), img.resolution, img.resolution);
    }
    console.log(`Wrote ${images.length} images to ${outdir}`);
  } finally {
    G.dispose();
  }
}
