/** `stylegan truncation`: one grid, rows = seeds, columns = psi values (paper fig. 8). */
import fs from 'node:fs';
import path from 'node:path';
import { parseFlags, parseNumber, parseSeeds, parseChoice, UsageError } from './args.js';
import { loadAnyNetwork } from './network.js';
import { joinNegativeValues } from './negative-values.js';
import { truncationGrid } from '../sampling/truncation-grid.js';
import { writeTiles } from '../data/study-output.js';
import { initNodeBackend, type BackendName } from '../backend/node.js';

export const TRUNCATION_HELP = `Usage: stylegan truncation --network FILE --seeds LIST --outdir DIR [options]

Writes grid.png: one row per seed, one column per psi (w' = w_avg + psi (w - w_avg));
psi 0 is the average face/emoji for every seed, psi 1 the untruncated image.

  --network FILE         a .safetensors checkpoint or an official StyleGAN / StyleGAN2-ADA .pkl
  --seeds LIST           e.g. 0-5
  --psi LIST             comma-separated psi values (default -1,-0.5,0,0.5,0.7,1)
  --trunc-cutoff N       truncate only the first N styles (default: all)
  --class N              class index, for conditional networks (StyleGAN2-ADA with labels, StyleGAN-XL: towards the class's w_avg)
  --noise-mode MODE      const | random | none (default const)
  --outdir DIR           output folder (required)
  --backend NAME         native | wasm | cpu | tensorflow | webgpu (default: fastest available)

Example:
  stylegan truncation --network net.safetensors --seeds 0-5 --psi -1,-0.5,0,0.5,0.7,1 --outdir out/trunc`;

export function parsePsis(v: string | undefined): number[] {
  if (v === undefined) return [-1, -0.5, 0, 0.5, 0.7, 1];
  return v.split(',').map((s) => parseNumber(s, 'psi', { min: -10, max: 10 }));
}

export async function truncationCommand(argv: string[]): Promise<void> {
  const { values: v } = parseFlags(joinNegativeValues(argv, ['psi']), {
    network: { type: 'string' }, seeds: { type: 'string' }, psi: { type: 'string' }, 'trunc-cutoff': { type: 'string' }, class: { type: 'string' },
    'noise-mode': { type: 'string' }, outdir: { type: 'string' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, 'truncation');
  if (v.help) return void console.log(TRUNCATION_HELP);
  if (!v.network) throw new UsageError('truncation: --network is required (see stylegan truncation --help)');
  if (!v.outdir) throw new UsageError('truncation: --outdir is required');
  const seeds = parseSeeds(v.seeds);
  const psis = parsePsis(v.psi);
  const truncationCutoff = v['trunc-cutoff'] === undefined ? undefined : parseNumber(v['trunc-cutoff'], 'trunc-cutoff', { int: true, min: 0 });
  const classIdx = v.class === undefined ? undefined : parseNumber(v.class, 'class', { int: true, min: 0 });
  const noiseMode = parseChoice(v['noise-mode'], 'noise-mode', ['const', 'random', 'none'] as const, 'const');
  await initNodeBackend(v.backend as BackendName | undefined, false, { gradients: false, autoWebgpu: true });
  const G = await loadAnyNetwork(v.network);
  try {
    fs.mkdirSync(v.outdir, { recursive: true });
    const rows = await truncationGrid(G, seeds, psis, { truncationCutoff, noiseMode, classIdx });
    const file = path.join(v.outdir, 'grid.png');
    await writeTiles(file, rows.flat(), G.cfg.imgResolution, G.cfg.imgChannels, psis.length);
    console.log(`Wrote ${file}: ${seeds.length} seeds x psi ${psis.join(', ')}`);
  } finally {
    G.dispose();
  }
}
