/** `stylegan export`: a network's G_ema in another runtime's format (ONNX). */
import { parseFlags, parseNumber, UsageError } from './args.js';
import { readNetworkFile } from './network.js';
import { writeFileAtomic } from '../io/fs-atomic.js';
import { exportStyleGAN2Onnx } from '../io/export-onnx-stylegan2.js';
import { exportStyleganOnnx } from '../io/export-onnx-stylegan.js';

export const EXPORT_HELP = `Usage: stylegan export --network FILE --format onnx --out G.onnx

Writes G_ema of a StyleGAN2 or 2019 StyleGAN network (our checkpoint or any official file
'generate' reads) as an ONNX model (opset 17) for onnxruntime (web, node, python) and other
ONNX runtimes:
  inputs   z    float32 [N, z_dim]   latents (generate's seeds give NumPy's randn)
           psi  float32 [1]          truncation psi towards w_avg (1 = none), on every style
                                     or on those below --trunc-cutoff
           c    float32 [N, c_dim]   one-hot labels, conditional networks only
  output   img  float32 [N, H, W, C] about [-1, 1]; pixel = floor(clamp(img * 127.5 + 128, 0, 255))
The synthesis uses the network's stored constant noise (generate's --noise-mode const).

Options:
  --network FILE   .safetensors checkpoint, or an official .pkl / .pt (StyleGAN, StyleGAN2)
  --format onnx    the only format so far
  --out FILE       where to write the model
  --trunc-cutoff N truncate only the first N styles (as generate's flag; NVIDIA's 2019 examples: 8)

Example:
  stylegan export --network runs/x/network-snapshot-000400.safetensors --format onnx --out g.onnx`;

export async function exportCommand(argv: string[]): Promise<void> {
  const { values: v, positionals } = parseFlags(argv, {
    help: { type: 'boolean', short: 'h' }, network: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' },
    'trunc-cutoff': { type: 'string' },
  }, 'export');
  if (v.help) return void console.log(EXPORT_HELP);
  if (positionals.length) throw new UsageError(`export: unexpected argument '${positionals[0]}' (see stylegan export --help)`);
  if (!v.network) throw new UsageError('export: --network FILE is required');
  if (v.format !== 'onnx') throw new UsageError(`export: --format must be onnx, got ${v.format === undefined ? 'nothing' : `'${v.format}'`}`);
  if (!v.out) throw new UsageError('export: --out FILE is required');
  const opts = { truncationCutoff: v['trunc-cutoff'] === undefined ? undefined : parseNumber(v['trunc-cutoff'], 'trunc-cutoff', { int: true, min: 0 }) };
  const s = readNetworkFile(v.network, { warn: (line) => console.error(line) });
  const cfg = s.config as { arch: string };
  let bytes: Uint8Array;
  if (s.config.arch === 'stylegan2') bytes = exportStyleGAN2Onnx(s.config, s.modules.G_ema!, v.network, opts);
  else if (s.config.arch === 'stylegan') bytes = exportStyleganOnnx(s.config, s.modules.G_ema!, v.network, opts);
  else throw new Error(`${v.network}: ONNX export supports 'stylegan' and 'stylegan2' networks, not '${cfg.arch}'`);
  await writeFileAtomic(v.out, bytes);
  console.log(`Wrote ${v.out}: G_ema of ${v.network} as ONNX (${s.config.imgResolution}x${s.config.imgResolution}, ${(bytes.length / 2 ** 20).toFixed(1)} MiB)`);
}
