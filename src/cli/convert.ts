/** `stylegan convert`: an official .pkl into our .safetensors checkpoint (no pickle needed afterwards). */
import { parseFlags, UsageError } from './args.js';
import { readNetworkFile, isPickleFile, isTorchCheckpointFile } from './network.js';
import { encodeSnapshot } from '../io/snapshot.js';
import { writeFileAtomic } from '../io/fs-atomic.js';

export const CONVERT_HELP = `Usage: stylegan convert IN.pkl OUT.safetensors

Converts an official network pickle (NVIDIA's TensorFlow StyleGAN or stylegan2-ada-pytorch)
or a rosinality/stylegan2-pytorch .pt checkpoint (g_ema, latent_avg; g and d too)
into our checkpoint format: G_ema (the TF pickles' Gs), plus G and D when the pickle holds
complete ones (a warning says what was left out).
The pickle is read by a safe unpickler; its embedded code is never run.

Example:
  stylegan convert karras2019stylegan-ffhq-1024x1024.pkl ffhq.safetensors
  stylegan generate --network ffhq.safetensors --seeds 0-7 --trunc 0.7 --outdir out`;

export async function convertCommand(argv: string[]): Promise<void> {
  const { values: v, positionals } = parseFlags(argv, { help: { type: 'boolean', short: 'h' } }, 'convert');
  if (v.help) return void console.log(CONVERT_HELP);
  if (positionals.length !== 2) throw new UsageError(`convert: expected IN.pkl OUT.safetensors, got ${positionals.length} argument(s) (see stylegan convert --help)`);
  const [input, output] = positionals;
  if (!output.endsWith('.safetensors')) throw new UsageError(`convert: output must end in .safetensors, got '${output}'`);
  if (!isPickleFile(input) && !isTorchCheckpointFile(input)) throw new UsageError(`convert: input must be a .pkl or .pt file, got '${input}'`);
  const snapshot = readNetworkFile(input, { full: true, warn: (line) => console.error(line) });
  await writeFileAtomic(output, encodeSnapshot(snapshot));
  console.log(`Wrote ${output}: ${Object.keys(snapshot.modules).join(', ')} at ${snapshot.config.imgResolution}x${snapshot.config.imgResolution}`);
}
