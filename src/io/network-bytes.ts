/**
 * Any network file's bytes -> our Snapshot (browser-safe: no Node imports): our .safetensors
 * checkpoints, and the official formats converted on the fly, told apart by their content:
 * NVIDIA's TF pickles (StyleGAN, StyleGAN2), stylegan2-ada-pytorch, stylegan3 and StyleGAN-XL
 * pickles, rosinality's torch.save checkpoints. Nothing in a pickle runs.
 */
import type { NetworkConfig } from '../networks/config.js';
import { decodeNetworkSnapshot, type Snapshot } from './snapshot.js';
import { importStyleganTf, readStyleganTfPickle } from './import-stylegan-tf.js';
import { importStyleGAN2Tf, isStyleGAN2Tf } from './import-stylegan2-tf.js';
import { importStyleGAN2 } from './import-stylegan2.js';
import { importStyleGAN3 } from './import-stylegan3.js';
import { importStyleGANXL, isStyleGANXLPickle } from './import-stylegan-xl.js';
import { importRosinality } from './import-rosinality.js';
import { bytesInclude } from './bytes.js';

export interface ReadNetworkOptions {
  /** Also import the training G and D from pickles that have them (convert); generate needs G_ema only. */
  full?: boolean;
  /** Receives one line per thing left out (e.g. a partial D). */
  warn?: (line: string) => void;
}

/** rosinality/stylegan2-pytorch's {g_ema, latent_avg, g, d, ...}: g_ema becomes G_ema (and g G, d D, for convert). */
export function snapshotFromRosinality(bytes: Uint8Array, file: string, o: ReadNetworkOptions): Snapshot<NetworkConfig> {
  const r = importRosinality(bytes, file, { withG: o.full, withD: o.full });
  for (const s of r.skipped) o.warn?.(`warning: ${file}: left out ${s}`);
  return { config: r.config, modules: { G_ema: r.G_ema, ...(r.G && { G: r.G }), ...(r.D && { D: r.D }) } };
}

/** Whether a global of `module` is referenced near the start of a pickle (where the class references sit). */
function picklesModule(bytes: Uint8Array, module: string): boolean {
  return bytesInclude(bytes, module, 1 << 20);
}

/** NVIDIA's TF (G, D, Gs): StyleGAN2's G_main (and our own exports) or the 2019 G_style; Gs becomes G_ema. */
function snapshotFromStyleganTf(bytes: Uint8Array, file: string, o: ReadNetworkOptions): Snapshot<NetworkConfig> {
  const nets = readStyleganTfPickle(bytes, file);
  if (isStyleGAN2Tf(nets)) {
    const r = importStyleGAN2Tf(nets, file, { withG: o.full, withD: o.full });
    return { config: r.config, modules: { G_ema: r.G_ema, ...(r.G && { G: r.G }), ...(r.D && { D: r.D }) } };
  }
  const r = importStyleganTf(nets, file, { withG: o.full, withD: o.full, lenient: true });
  if (r.lod !== 0) throw new Error(`${file}: Gs was saved mid-growth (lod ${r.lod}); only fully grown networks can be imported`);
  for (const s of r.skipped) o.warn?.(`warning: ${file}: left out ${s}`);
  return { config: r.config, modules: { G_ema: r.G_ema, ...(r.G && { G: r.G }), ...(r.D && { D: r.D }) } };
}

/** NVlabs/stylegan3's dict(G, D, G_ema, ...) with G from training.networks_stylegan3. */
function snapshotFromStyleGAN3(bytes: Uint8Array, file: string, o: ReadNetworkOptions): Snapshot<NetworkConfig> {
  const r = importStyleGAN3(bytes, file, { withG: o.full, withD: o.full });
  return { config: r.config, modules: { G_ema: r.G_ema, ...(r.G && { G: r.G }), ...(r.D && { D: r.D }) } };
}

/** NVIDIA's stylegan2-ada-pytorch dict(G, D, G_ema, ...): G_ema stays G_ema. */
function snapshotFromStyleGAN2(bytes: Uint8Array, file: string, o: ReadNetworkOptions): Snapshot<NetworkConfig> {
  const r = importStyleGAN2(bytes, file, { withG: o.full, withD: o.full });
  return { config: r.config, modules: { G_ema: r.G_ema, ...(r.G && { G: r.G }), ...(r.D && { D: r.D }) } };
}

/** autonomousvision/stylegan-xl's dill dict(G, D, G_ema, ...): G_ema (D, a projected discriminator, is not read). */
function snapshotFromStyleGANXL(bytes: Uint8Array, file: string, o: ReadNetworkOptions): Snapshot<NetworkConfig> {
  const r = importStyleGANXL(bytes, file, { withG: o.full });
  if (o.full) o.warn?.(`warning: ${file}: left out D (StyleGAN-XL's projected discriminator is not supported)`);
  return { config: r.config, modules: { G_ema: r.G_ema, ...(r.G && { G: r.G }) } };
}

/** The one dispatch point for official pickles, by the classes they reference. */
export function snapshotFromPickle(bytes: Uint8Array, file: string, o: ReadNetworkOptions): Snapshot<NetworkConfig> {
  if (picklesModule(bytes, 'dnnlib.tflib.network')) return snapshotFromStyleganTf(bytes, file, o);
  // StyleGAN-XL's mapping holds a plain nn.Embedding (anywhere in the file: after the synthesis in a stem); it has SynthesisInput too.
  if (picklesModule(bytes, 'torch_utils.persistence') && isStyleGANXLPickle(bytes)) return snapshotFromStyleGANXL(bytes, file, o);
  // Persistence records keep class names and module source, not module names: SynthesisInput is StyleGAN3's.
  if (picklesModule(bytes, 'torch_utils.persistence') && picklesModule(bytes, 'SynthesisInput')) return snapshotFromStyleGAN3(bytes, file, o);
  if (picklesModule(bytes, 'torch_utils.persistence')) return snapshotFromStyleGAN2(bytes, file, o);
  throw new Error(`${file}: not a network pickle this version can read (supported: NVIDIA's TensorFlow StyleGAN and StyleGAN2, stylegan2-ada-pytorch, stylegan3, StyleGAN-XL)`);
}

/** A torch.save file: a zip archive, or the legacy format (a pickled magic number first). */
function isTorchSave(b: Uint8Array): boolean {
  const legacy = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
  return (b[0] === 0x50 && b[1] === 0x4b) || legacy.every((x, i) => b[i] === x);
}

/** Any network file's bytes, told apart by content; `source` names it in errors. */
export function readNetworkBytes(bytes: Uint8Array, source: string, o: ReadNetworkOptions = {}): Snapshot<NetworkConfig> {
  if (isTorchSave(bytes)) return snapshotFromRosinality(bytes, source, o);
  if (bytes[0] === 0x80) return snapshotFromPickle(bytes, source, o);
  return decodeNetworkSnapshot(bytes, source);
}
