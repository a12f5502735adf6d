/** `stylegan <command>`: dispatch and one-line errors. */
import { trainCommand, TRAIN_HELP } from './train.js';
import { generateCommand, GENERATE_HELP } from './generate.js';
import { benchCommand, BENCH_HELP } from './bench.js';
import { convertCommand, CONVERT_HELP } from './convert.js';
import { serveCommand, SERVE_HELP } from './serve.js';
import { dashboardCommand, DASHBOARD_HELP } from './dashboard.js';
import { mixCommand, MIX_HELP } from './mix.js';
import { truncationCommand, TRUNCATION_HELP } from './truncation.js';
import { noiseCommand, NOISE_HELP } from './noise.js';
import { interpolateCommand, INTERPOLATE_HELP } from './interpolate.js';
import { projectCommand, PROJECT_HELP } from './project.js';
import { metricsCommand, METRICS_HELP } from './metrics.js';
import { UsageError } from './args.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; help: string; summary: string }> = {
  train: { run: trainCommand, help: TRAIN_HELP, summary: 'train a StyleGAN on a folder or zip of images (default: emoji)' },
  generate: { run: generateCommand, help: GENERATE_HELP, summary: 'images for seeds from a checkpoint or an official .pkl' },
  mix: { run: mixCommand, help: MIX_HELP, summary: 'style-mixing grid: column seeds\' styles into row seeds (style_mixing.py)' },
  truncation: { run: truncationCommand, help: TRUNCATION_HELP, summary: 'grid of seeds x truncation psi' },
  noise: { run: noiseCommand, help: NOISE_HELP, summary: 'what the noise inputs do: std over draws, noise in all/none/fine/coarse layers' },
  interpolate: { run: interpolateCommand, help: INTERPOLATE_HELP, summary: 'looping Z/W latent walks as animated WebP/GIF' },
  project: { run: projectCommand, help: PROJECT_HELP, summary: 'find the w of an image (projector.py)' },
  metrics: { run: metricsCommand, help: METRICS_HELP, summary: 'FID, KID, precision/recall, PPL, IS, SWD (calc_metrics.py)' },
  convert: { run: convertCommand, help: CONVERT_HELP, summary: 'an official StyleGAN .pkl into a .safetensors checkpoint' },
  bench: { run: benchCommand, help: BENCH_HELP, summary: 'images/s (generation, training) and conv GFLOP/s for each backend' },
  serve: { run: serveCommand, help: SERVE_HELP, summary: 'a browser playground for a network (seeds, truncation, mixing, noise)' },
  dashboard: { run: dashboardCommand, help: DASHBOARD_HELP, summary: 'a live browser dashboard of a training run folder' },
};

const HELP = `Usage: stylegan <command> [options]

Commands:
${Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(11)} ${c.summary}`).join('\n')}

Run 'stylegan <command> --help' for its options.`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(HELP);
    return cmd ? 0 : 1;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    console.error(`stylegan: unknown command '${cmd}'\n\n${HELP}`);
    return 2;
  }
  try {
    await c.run(rest);
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    console.error(`stylegan ${cmd}: error: ${msg.split('\n')[0]}`);
    if (process.env.STYLEGAN_DEBUG && e instanceof Error) console.error(e.stack);
    return e instanceof UsageError ? 2 : 1;
  }
}
