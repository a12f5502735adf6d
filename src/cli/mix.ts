/** `stylegan mix`: style-mixing figure, like NVIDIA's style_mixing.py. */
import fs from 'node:fs';
import path from 'node:path';
import { parseFlags, parseNumber, parseSeeds, parseChoice, UsageError } from './args.js';
import { loadAnyNetwork } from './network.js';
import { classIndex } from './generate.js';
import { networkClassNames } from '../sampling/class-names.js';
import { joinNegativeValues } from './negative-values.js';
import { parseStyles, styleMixGrid, styleMixTiles } from '../sampling/style-mixing.js';
import { writeImage, writeTiles } from '../data/study-output.js';
import { initNodeBackend, type BackendName } from '../backend/node.js';

export const MIX_HELP = `Usage: stylegan mix --network FILE --rows LIST --cols LIST --outdir DIR [options]

Each cell takes the row seed's w and copies the column seed's w into the chosen styles
(NVIDIA's style_mixing.py). Writes grid.png (top row: column sources, left column: row
sources) and ROW-COL.png per cell.

  --network FILE         a .safetensors checkpoint or an official StyleGAN / StyleGAN2-ADA .pkl
  --rows LIST            row seeds, e.g. 85,100,75
  --cols LIST            column seeds, e.g. 55,821,1789
  --styles SPEC          style indices from the columns: 0-6 (default), 0,2,4-5, or a preset:
                         coarse (4-8 px layers), middle (16-32 px), fine (64 px and up)
  --trunc PSI            truncation psi (default 1)
  --class N|NAME         class index, or name for networks trained here with --cond (conditional
                         networks: StyleGAN2-ADA / StyleGAN3 with labels, StyleGAN-XL)
  --noise-mode MODE      const | random | none (default const)
  --outdir DIR           output folder (required)
  --backend NAME         native | wasm | cpu | tensorflow | webgpu (default: fastest available)

Example:
  stylegan mix --network net.safetensors --rows 85,100,75 --cols 55,821,1789 --styles coarse --outdir out/mix`;

export async function mixCommand(argv: string[]): Promise<void> {
  const { values: v } = parseFlags(joinNegativeValues(argv, ['trunc']), {
    network: { type: 'string' }, rows: { type: 'string' }, cols: { type: 'string' }, styles: { type: 'string' },
    trunc: { type: 'string' }, class: { type: 'string' }, 'noise-mode': { type: 'string' }, outdir: { type: 'string' }, backend: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, 'mix');
  if (v.help) return void console.log(MIX_HELP);
  if (!v.network) throw new UsageError('mix: --network is required (see stylegan mix --help)');
  if (!v.outdir) throw new UsageError('mix: --outdir is required');
  const rows = parseSeeds(v.rows, 'rows');
  const cols = parseSeeds(v.cols, 'cols');
  const truncationPsi = parseNumber(v.trunc, 'trunc', { min: -10, max: 10, def: 1 });
  const noiseMode = parseChoice(v['noise-mode'], 'noise-mode', ['const', 'random', 'none'] as const, 'const');
  await initNodeBackend(v.backend as BackendName | undefined, false, { gradients: false, autoWebgpu: true });
  const G = await loadAnyNetwork(v.network);
  try {
    const classIdx = v.class === undefined ? undefined : classIndex(v.class, networkClassNames(G.cfg as { cDim?: number; classNames?: unknown }), v.network);
    let styles: number[];
    try {
      styles = parseStyles(v.styles ?? '0-6', G.numWs);
    } catch (e) {
      throw new UsageError(`--${(e as Error).message}`);
    }
    if (styles.length === 0) console.warn(`mix: warning: '${v.styles}' selects no styles at ${G.cfg.imgResolution} px; cells equal their row images`);
    fs.mkdirSync(v.outdir, { recursive: true });
    const g = await styleMixGrid(G, rows, cols, styles, { truncationPsi, noiseMode, classIdx });
    const { imgResolution: r, imgChannels: c } = G.cfg;
    for (let i = 0; i < rows.length; i++) {
      for (let j = 0; j < cols.length; j++) await writeImage(path.join(v.outdir, `${rows[i]}-${cols[j]}.png`), g.cells[i][j], r, c);
    }
    await writeTiles(path.join(v.outdir, 'grid.png'), styleMixTiles(g), r, c, cols.length + 1);
    console.log(`Mixed styles [${styles.join(',')}] of ${cols.length} column seeds into ${rows.length} row seeds; wrote ${v.outdir}/grid.png`);
  } finally {
    G.dispose();
  }
}
