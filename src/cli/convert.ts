/** `stylegan convert`: an official .pkl into our .safetensors checkpoint (no pickle needed afterwards). */
import fs from 'node:fs';
import { parseFlags, UsageError } from './args.js';
import { encodeSnapshot, type Snapshot } from '../io/snapshot.js';
import { writeFileAtomic } from '../io/fs-atomic.js';
import { importStyleganTf } from '../io/import-stylegan-tf.js';

export const CONVERT_HELP = `Usage: stylegan convert IN.pkl OUT.safetensors

Converts an official StyleGAN network pickle into our checkpoint format: G_ema (NVIDIA's Gs),
plus G and D when the pickle holds complete ones (a warning says what was left out).
The pickle is read by a safe unpickler; its embedded code is never run.

Example:
  stylegan convert karras2019stylegan-ffhq-1024x1024.pkl ffhq.safetensors
  stylegan generate --network ffhq.safetensors --seeds 0-7 --trunc 0.7 --outdir out`;

/** NVIDIA's 2019 TF StyleGAN (G, D, Gs): Gs becomes G_ema; a G or D that does not map completely is left out. */
function snapshotFromStyleganTf(bytes: Uint8Array, file: string, warn: (line: string) => void): Snapshot {
  const r = importStyleganTf(bytes, file, { withG: true, withD: true, lenient: true });
  if (r.lod !== 0) throw new Error(`${file}: Gs was saved mid-growth (lod ${r.lod}); only fully grown networks can be converted`);
  for (const s of r.skipped) warn(`warning: ${file}: left out ${s}`);
  return { config: r.config, modules: { G_ema: r.G_ema, ...(r.G && { G: r.G }), ...(r.D && { D: r.D }) } };
}

export async function convertCommand(argv: string[]): Promise<void> {
  const { values: v, positionals } = parseFlags(argv, { help: { type: 'boolean', short: 'h' } }, 'convert');
  if (v.help) return void console.log(CONVERT_HELP);
  if (positionals.length !== 2) throw new UsageError(`convert: expected IN.pkl OUT.safetensors, got ${positionals.length} argument(s) (see stylegan convert --help)`);
  const [input, output] = positionals;
  if (!output.endsWith('.safetensors')) throw new UsageError(`convert: output must end in .safetensors, got '${output}'`);
  if (!fs.existsSync(input) || fs.statSync(input).isDirectory()) throw new Error(`Network file not found: ${input}`);
  // The dispatch point for other pickle kinds (StyleGAN2-ADA) once they can be converted.
  const snapshot = snapshotFromStyleganTf(fs.readFileSync(input), input, (line) => console.error(line));
  await writeFileAtomic(output, encodeSnapshot(snapshot));
  console.log(`Wrote ${output}: ${Object.keys(snapshot.modules).join(', ')} at ${snapshot.config.imgResolution}x${snapshot.config.imgResolution}`);
}
