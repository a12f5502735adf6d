/**
 * `stylegan convert`: an official .pkl into our .safetensors checkpoint (no pickle needed
 * afterwards), or a StyleGAN2 checkpoint of ours into NVIDIA's TensorFlow StyleGAN2 pickle
 * format (which stylegan2-ada-pytorch's and stylegan3's loaders and train.py --resume read).
 */
import { parseFlags, UsageError } from './args.js';
import { readNetworkFile, isPickleFile, isTorchCheckpointFile } from './network.js';
import { encodeSnapshot } from '../io/snapshot.js';
import { exportStyleGAN2Tf } from '../io/export-stylegan2-tf.js';
import { writeFileAtomic } from '../io/fs-atomic.js';

export const CONVERT_HELP = `Usage: stylegan convert IN.pkl OUT.safetensors
       stylegan convert IN.safetensors OUT.pkl

The first form converts an official network pickle (NVIDIA's TensorFlow StyleGAN or StyleGAN2,
or stylegan2-ada-pytorch)
or a rosinality/stylegan2-pytorch .pt checkpoint (g_ema, latent_avg; g and d too)
into our checkpoint format: G_ema (the TF pickles' Gs), plus G and D when the pickle holds
complete ones (a warning says what was left out).
The pickle is read by a safe unpickler; its embedded code is never run.

The second form writes a StyleGAN2 network (G, D and G_ema of a training checkpoint) as
NVIDIA's TensorFlow StyleGAN2 pickle (G, D, Gs), which stylegan2-ada-pytorch's and stylegan3's
legacy.load_network_pkl read (generate.py --network, train.py --resume). The training state
(optimizer moments, kimg, augmentation strength) is not part of that format and is left out.

Examples:
  stylegan convert karras2019stylegan-ffhq-1024x1024.pkl ffhq.safetensors
  stylegan generate --network ffhq.safetensors --seeds 0-7 --trunc 0.7 --outdir out
  stylegan convert runs/x/network-snapshot-000400.safetensors out.pkl`;

export async function convertCommand(argv: string[]): Promise<void> {
  const { values: v, positionals } = parseFlags(argv, { help: { type: 'boolean', short: 'h' } }, 'convert');
  if (v.help) return void console.log(CONVERT_HELP);
  if (positionals.length !== 2) throw new UsageError(`convert: expected IN.pkl OUT.safetensors or IN.safetensors OUT.pkl, got ${positionals.length} argument(s) (see stylegan convert --help)`);
  const [input, output] = positionals;
  if (output.endsWith('.pkl')) return toTfPickle(input, output);
  if (!output.endsWith('.safetensors')) throw new UsageError(`convert: output must end in .safetensors or .pkl, got '${output}'`);
  if (!isPickleFile(input) && !isTorchCheckpointFile(input)) throw new UsageError(`convert: input must be a .pkl or .pt file, got '${input}'`);
  const snapshot = readNetworkFile(input, { full: true, warn: (line) => console.error(line) });
  await writeFileAtomic(output, encodeSnapshot(snapshot));
  console.log(`Wrote ${output}: ${Object.keys(snapshot.modules).join(', ')} at ${snapshot.config.imgResolution}x${snapshot.config.imgResolution}`);
}

/** Any network file with G, D, G_ema of a `stylegan2` network -> NVIDIA's TF StyleGAN2 pickle. */
async function toTfPickle(input: string, output: string): Promise<void> {
  const snapshot = readNetworkFile(input, { full: true, warn: (line) => console.error(line) });
  const bytes = exportStyleGAN2Tf(snapshot, input);
  await writeFileAtomic(output, bytes);
  if (snapshot.training) console.error(`note: ${input}: the training state (optimizer, kimg, augmentation) is not part of the TF pickle format and was left out`);
  console.log(`Wrote ${output}: G, D, Gs (TensorFlow StyleGAN2 format) at ${snapshot.config.imgResolution}x${snapshot.config.imgResolution}`);
}
