/** `stylegan noise`: what the per-pixel noise inputs do (paper figs. 4 and 5). */
import fs from 'node:fs';
import path from 'node:path';
import { parseFlags, parseNumber, UsageError } from './args.js';
import { loadAnyNetwork } from './network.js';
import { joinNegativeValues } from './negative-values.js';
import { noiseStudy, fineNoiseResolution } from '../sampling/noise-study.js';
import { writeImage, writeTiles } from '../data/study-output.js';
import { writePng } from '../data/grid.js';
import { initNodeBackend, type BackendName } from '../backend/node.js';

export const NOISE_HELP = `Usage: stylegan noise --network FILE --seed S --outdir DIR [options]

One w under many noise draws. Writes
  samples.png        the first draws (up to --show)
  std.png            per-pixel standard deviation over all draws, scaled so the maximum is white
                     (all black below 1/8 of an 8-bit level: float32 rounding, not noise)
  noise-all.png      stored noise in every layer (= generate --noise-mode const)
  noise-none.png     no noise
  noise-fine.png     noise only in the fine layers (64 px and up; the top resolution below 64 px)
  noise-coarse.png   noise only in the coarser layers

  --network FILE         a .safetensors checkpoint or an official StyleGAN / StyleGAN2-ADA .pkl
  --seed S               latent seed (default 0)
  --samples N            noise draws for std.png (default 100)
  --show N               draws shown in samples.png (default 8)
  --trunc PSI            truncation psi (default 1)
  --noise-seed N         seed of the noise draws (default 0)
  --outdir DIR           output folder (required)
  --backend NAME         native | wasm | cpu | tensorflow | webgpu (default: fastest available)

Example:
  stylegan noise --network net.safetensors --seed 3 --samples 100 --outdir out/noise`;

export async function noiseCommand(argv: string[]): Promise<void> {
  const { values: v } = parseFlags(joinNegativeValues(argv, ['trunc']), {
    network: { type: 'string' }, seed: { type: 'string' }, samples: { type: 'string' }, show: { type: 'string' },
    trunc: { type: 'string' }, 'noise-seed': { type: 'string' }, outdir: { type: 'string' }, backend: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, 'noise');
  if (v.help) return void console.log(NOISE_HELP);
  if (!v.network) throw new UsageError('noise: --network is required (see stylegan noise --help)');
  if (!v.outdir) throw new UsageError('noise: --outdir is required');
  const seed = parseNumber(v.seed, 'seed', { int: true, min: 0, max: 0xffffffff, def: 0 });
  const samples = parseNumber(v.samples, 'samples', { int: true, min: 2, max: 10000, def: 100 });
  const keep = parseNumber(v.show, 'show', { int: true, min: 1, max: 64, def: 8 });
  const truncationPsi = parseNumber(v.trunc, 'trunc', { min: -10, max: 10, def: 1 });
  const noiseSeed = parseNumber(v['noise-seed'], 'noise-seed', { int: true, min: 0, def: 0 });
  await initNodeBackend(v.backend as BackendName | undefined, false, { gradients: false, autoWebgpu: true });
  const G = await loadAnyNetwork(v.network);
  try {
    fs.mkdirSync(v.outdir, { recursive: true });
    const s = await noiseStudy(G, seed, { samples, keep, truncationPsi, noiseSeed });
    const { imgResolution: r, imgChannels: c } = G.cfg;
    await writeTiles(path.join(v.outdir, 'samples.png'), s.samples, r, c, Math.min(s.samples.length, 8));
    await writePng(path.join(v.outdir, 'std.png'), s.stdDisplay, r, r);
    for (const [k, img] of Object.entries(s.variants)) await writeImage(path.join(v.outdir, `noise-${k}.png`), img, r, c);
    let max = 0;
    for (const x of s.std) max = Math.max(max, x);
    console.log(`Seed ${seed}: ${samples} noise draws, max per-pixel std ${max.toPrecision(3)}; fine layers >= ${fineNoiseResolution(r)} px; wrote ${v.outdir}`);
  } finally {
    G.dispose();
  }
}
