/**
 * Reads any network file the CLI accepts (Node only): our .safetensors checkpoints, and
 * official .pkl files converted on the fly into the same Snapshot shape.
 */
import fs from 'node:fs';
import type { NetworkConfig } from '../networks/config.js';
import type { Generator } from '../networks/stylegan/generator.js';
import type { GeneratorLike } from '../networks/generator-api.js';
import { decodeNetworkSnapshot, type Snapshot } from '../io/snapshot.js';
import { importStyleganTf, readStyleganTfPickle } from '../io/import-stylegan-tf.js';
import { importStyleGAN2Tf, isStyleGAN2Tf } from '../io/import-stylegan2-tf.js';
import { importStyleGAN2 } from '../io/import-stylegan2.js';
import { importStyleGAN3 } from '../io/import-stylegan3.js';
import { importStyleGANXL, isStyleGANXLPickle } from '../io/import-stylegan-xl.js';
import { importRosinality } from '../io/import-rosinality.js';
import { generatorFromSnapshot, networkFromSnapshot } from '../sampling/generate.js';

export interface ReadNetworkOptions {
  /** Also import the training G and D from pickles that have them (convert); generate needs G_ema only. */
  full?: boolean;
  /** Receives one line per thing left out (e.g. a partial D). */
  warn?: (line: string) => void;
}

export function isPickleFile(file: string): boolean {
  return /\.(pkl|pickle)$/i.test(file);
}

/** A torch.save checkpoint (rosinality/stylegan2-pytorch's .pt). */
export function isTorchCheckpointFile(file: string): boolean {
  return /\.(pt|pth)$/i.test(file);
}

/** rosinality/stylegan2-pytorch's {g_ema, latent_avg, g, d, ...}: g_ema becomes G_ema (and g G, d D, for convert). */
function snapshotFromRosinality(bytes: Uint8Array, file: string, o: ReadNetworkOptions): Snapshot<NetworkConfig> {
  const r = importRosinality(bytes, file, { withG: o.full, withD: o.full });
  for (const s of r.skipped) o.warn?.(`warning: ${file}: left out ${s}`);
  return { config: r.config, modules: { G_ema: r.G_ema, ...(r.G && { G: r.G }), ...(r.D && { D: r.D }) } };
}

/** Whether a global of `module` is referenced near the start of a pickle (where the class references sit). */
function picklesModule(bytes: Uint8Array, module: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1 << 20)).includes(module, 0, 'latin1');
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
function snapshotFromPickle(bytes: Uint8Array, file: string, o: ReadNetworkOptions): Snapshot<NetworkConfig> {
  if (picklesModule(bytes, 'dnnlib.tflib.network')) return snapshotFromStyleganTf(bytes, file, o);
  // StyleGAN-XL's mapping holds a plain nn.Embedding (anywhere in the file: after the synthesis in a stem); it has SynthesisInput too.
  if (picklesModule(bytes, 'torch_utils.persistence') && isStyleGANXLPickle(bytes)) return snapshotFromStyleGANXL(bytes, file, o);
  // Persistence records keep class names and module source, not module names: SynthesisInput is StyleGAN3's.
  if (picklesModule(bytes, 'torch_utils.persistence') && picklesModule(bytes, 'SynthesisInput')) return snapshotFromStyleGAN3(bytes, file, o);
  if (picklesModule(bytes, 'torch_utils.persistence')) return snapshotFromStyleGAN2(bytes, file, o);
  throw new Error(`${file}: not a network pickle this version can read (supported: NVIDIA's TensorFlow StyleGAN and StyleGAN2, stylegan2-ada-pytorch, stylegan3, StyleGAN-XL)`);
}

export function readNetworkFile(file: string, o: ReadNetworkOptions = {}): Snapshot<NetworkConfig> {
  if (!fs.existsSync(file)) throw new Error(`Network file not found: ${file}`);
  if (fs.statSync(file).isDirectory()) throw new Error(`${file} is a folder, not a network file`);
  const bytes = fs.readFileSync(file);
  if (isTorchCheckpointFile(file)) return snapshotFromRosinality(bytes, file, o);
  return isPickleFile(file) ? snapshotFromPickle(bytes, file, o) : decodeNetworkSnapshot(bytes, file);
}

/** G_ema of a network file as a ready `stylegan` generator (for the studies that use its internals). */
export async function loadNetwork(file: string): Promise<Generator> {
  const s = readNetworkFile(file);
  if (s.config.arch !== 'stylegan') throw new Error(`${file}: this command supports 'stylegan' networks only, not '${s.config.arch}'`);
  return generatorFromSnapshot(s as Snapshot, file);
}

/** G_ema of a network file of any arch ('stylegan', 'stylegan2', 'stylegan3') as a ready generator. */
export async function loadAnyNetwork(file: string): Promise<GeneratorLike> {
  return networkFromSnapshot(readNetworkFile(file), file);
}
