/** `stylegan <command>`: dispatch and one-line errors. */
import { UsageError } from './args.js';

type Run = (argv: string[]) => Promise<void>;

// Commands load on demand: each pulls in its own part of the library (tfjs, sharp, vite ...),
// so `stylegan generate` does not pay for the metrics or the web server at start-up.
const COMMANDS: Record<string, { load: () => Promise<Run>; summary: string }> = {
  train: { load: async () => (await import('./train.js')).trainCommand, summary: 'train a StyleGAN on a folder or zip of images (default: emoji)' },
  dataset: { load: async () => (await import('./dataset.js')).datasetCommand, summary: 'a folder or zip of images as NVIDIA\'s dataset_tool.py zip (labels in dataset.json)' },
  generate: { load: async () => (await import('./generate.js')).generateCommand, summary: 'images for seeds from a checkpoint or an official .pkl' },
  mix: { load: async () => (await import('./mix.js')).mixCommand, summary: 'style-mixing grid: column seeds\' styles into row seeds (style_mixing.py)' },
  truncation: { load: async () => (await import('./truncation.js')).truncationCommand, summary: 'grid of seeds x truncation psi' },
  noise: { load: async () => (await import('./noise.js')).noiseCommand, summary: 'what the noise inputs do: std over draws, noise in all/none/fine/coarse layers' },
  interpolate: { load: async () => (await import('./interpolate.js')).interpolateCommand, summary: 'looping Z/W latent walks as animated WebP/GIF' },
  project: { load: async () => (await import('./project.js')).projectCommand, summary: 'find the w of an image (projector.py)' },
  metrics: { load: async () => (await import('./metrics.js')).metricsCommand, summary: 'FID, KID, precision/recall, PPL, IS, SWD (calc_metrics.py)' },
  convert: { load: async () => (await import('./convert.js')).convertCommand, summary: 'an official StyleGAN .pkl/.pt into a .safetensors checkpoint, or a StyleGAN2 one into NVIDIA\'s TF .pkl' },
  export: { load: async () => (await import('./export.js')).exportCommand, summary: 'G_ema of a StyleGAN2 or StyleGAN network as an ONNX model (onnxruntime web/node/python)' },
  bench: { load: async () => (await import('./bench.js')).benchCommand, summary: 'images/s (generation, training) and conv GFLOP/s for each backend' },
  serve: { load: async () => (await import('./serve.js')).serveCommand, summary: 'a browser playground for a network (seeds, truncation, mixing, noise)' },
  compare: { load: async () => (await import('./compare.js')).compareCommand, summary: 'train the baseline GANs and StyleGANs with one budget and tabulate FID/KID/SWD (the source table)' },
  dashboard: { load: async () => (await import('./dashboard.js')).dashboardCommand, summary: 'a live browser dashboard of a training run folder' },
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
    await (await c.load())(rest);
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    console.error(`stylegan ${cmd}: error: ${msg.split('\n')[0]}`);
    if (process.env.STYLEGAN_DEBUG && e instanceof Error) console.error(e.stack);
    return e instanceof UsageError ? 2 : 1;
  }
}
