/** `stylegan project`: find the w of a photo, like NVIDIA's projector.py. */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseFlags, parseNumber, UsageError } from './args.js';
import { readNetworkFile } from './network.js';
import { project, psnr } from '../sampling/project.js';
import { discriminatorDistance, lpipsDistance, pixelDistance, type ImageDistance } from '../sampling/projection-distance.js';
import { Vgg16 } from '../metrics/vgg16.js';
import { readWeightFile } from '../metrics/weights.js';
import { floatToRgb, writeAnimation } from '../data/study-output.js';
import { imageGrid, readImageRgb, writePng } from '../data/grid.js';
import { encodeNpz } from '../io/npy.js';
import { Discriminator } from '../networks/stylegan/discriminator.js';
import { skipInit } from '../networks/params.js';
import { networkFromSnapshot } from '../sampling/generate.js';
import type { Snapshot } from '../io/snapshot.js';
import type { NetworkConfig } from '../networks/config.js';
import { initNodeBackend, type BackendName } from '../backend/node.js';

export const PROJECT_HELP = `Usage: stylegan project --network FILE --target IMAGE --outdir DIR [options]

Optimises w (and the noise maps) so the generator reproduces IMAGE (NVIDIA's projector.py:
w_avg start, Adam lr 0.1 with ramp-up/down, decaying w perturbation, noise regularisation).
The noise maps start from the network's own stored maps (those 'generate' and
'generate --projected-w' render with), so an image the network generated is recovered;
--noise-init random starts from fresh N(0, 1) maps, as projector.py.
Writes target.png, proj.png, projected_w.npz (key 'w', float32 [1, numWs, wDim], the official
format; proj.png also used the optimised noise maps) and proj.webp (target | projection over
the optimisation), and prints the final PSNR and distance.

Distance: with --vgg16, LPIPS on VGG16 as NVIDIA's projector.py, from the same weights file
as 'stylegan metrics --vgg16' (torchvision vgg16 features.N.* merged with the LPIPS v0.1 lin
weights; see 'stylegan metrics --help'; NVIDIA's TorchScript vgg16.pt cannot be read).
Without them: a multi-scale pixel MSE, plus the distance between the discriminator's
normalised features when the network holds a 'stylegan' D (--distance auto);
--distance pixel: pixels only. The pixel MSE ignores overshoot where the target is
saturated (0 or 255 stays 0 or 255 when saved), and these distances use a noise
regularisation weight of 1e2 instead of LPIPS's 1e5 (scaled to pixel-MSE gradients).

  --network FILE         a .safetensors checkpoint or official .pkl (a 'stylegan' D is used when present)
  --target IMAGE         any image; center-cropped and resized to the network's resolution
  --num-steps N          optimisation steps (default 1000)
  --seed N               seed of the w perturbation and of --noise-init random (default 303)
  --noise-init generator|random  where the optimised noise maps start (default generator)
  --class N              conditional networks (StyleGAN-XL): project into the W of this class (w_avg and
                         its spread from the class's labels; StyleGAN-XL has no noise maps)
  --w-plus               optimise one w per style (w+) instead of one shared w
  --distance auto|pixel  (default auto)
  --vgg16 FILE           VGG16 + LPIPS weights (.pth, .safetensors or .npz state dict)
  --frames N             frames of the progress animation (default 100)
  --outdir DIR           output folder (required)
  --backend NAME         native | wasm | cpu | tensorflow | webgpu (default: fastest available)

Example:
  stylegan project --network net.safetensors --target photo.png --num-steps 1000 --seed 303 --outdir out/proj`;

/** D of a 'stylegan' network, or null when there is none (G-only files, other archs). */
function discriminatorOf(snap: Snapshot<NetworkConfig>, file: string): Discriminator | null {
  if (!snap.modules.D || snap.config.arch !== 'stylegan') return null;
  const D = new Discriminator(snap.config, skipInit);
  try {
    D.store.loadRaw(snap.modules.D, `${file} (D)`);
    return D;
  } catch (e) {
    D.dispose();
    throw e;
  }
}

export async function projectCommand(argv: string[]): Promise<void> {
  const { values: v } = parseFlags(argv, {
    network: { type: 'string' }, target: { type: 'string' }, 'num-steps': { type: 'string' }, seed: { type: 'string' },
    'w-plus': { type: 'boolean' }, distance: { type: 'string' }, vgg16: { type: 'string' }, frames: { type: 'string' },
    'noise-init': { type: 'string' }, class: { type: 'string' }, outdir: { type: 'string' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, 'project');
  if (v.help) return void console.log(PROJECT_HELP);
  if (!v.network) throw new UsageError('project: --network is required (see stylegan project --help)');
  if (!v.target) throw new UsageError('project: --target is required');
  if (!v.outdir) throw new UsageError('project: --outdir is required');
  if (v.vgg16 !== undefined && !fs.existsSync(v.vgg16)) throw new UsageError(`--vgg16: file not found: ${v.vgg16}`);
  const numSteps = parseNumber(v['num-steps'], 'num-steps', { int: true, min: 1, max: 100000, def: 1000 });
  const seed = parseNumber(v.seed, 'seed', { int: true, min: 0, max: 2 ** 20, def: 303 });
  const frames = parseNumber(v.frames, 'frames', { int: true, min: 1, max: 1000, def: 100 });
  const noiseInit = v['noise-init'] ?? 'generator';
  if (noiseInit !== 'generator' && noiseInit !== 'random') throw new UsageError(`--noise-init must be generator or random, got '${noiseInit}'`);
  const classIdx = v.class === undefined ? undefined : parseNumber(v.class, 'class', { int: true, min: 0 });
  const mode = v.distance ?? 'auto';
  if (mode !== 'auto' && mode !== 'pixel') throw new UsageError(`--distance must be auto or pixel, got '${mode}'`);
  await initNodeBackend(v.backend as BackendName | undefined, false, { autoWebgpu: true });
  const vgg = v.vgg16 ? new Vgg16(readWeightFile(v.vgg16), v.vgg16) : null;
  // One read gives G_ema and, where the file has it, D (official pickles included).
  const snap = readNetworkFile(v.network, { full: mode === 'auto' && !vgg });
  const G = networkFromSnapshot(snap, v.network);
  const D = mode === 'auto' && !vgg ? discriminatorOf(snap, v.network) : null;
  let dist: ImageDistance | null = null;
  try {
    const { imgResolution: r, imgChannels: c } = G.cfg;
    if (c !== 3) throw new Error(`projection needs an RGB network; this one has ${c} channels`);
    const target = await readImageRgb(v.target, r);
    // (u8 - 127.5) / 127.5 inverts generate's x * 127.5 + 128 with truncation, on average.
    const t = tf.tidy(() => tf.sub(tf.div(tf.tensor4d(Float32Array.from(target.data), [1, r, r, 3]), 127.5), 1) as tf.Tensor4D);
    dist = vgg ? lpipsDistance(vgg, t) : D ? discriminatorDistance(D, t) : pixelDistance(t);
    t.dispose();
    console.log(`Projecting ${v.target} (${r}x${r}) for ${numSteps} steps, ${v['w-plus'] ? 'w+' : 'w'}, distance: ${dist.name}`);
    const every = Math.max(1, Math.round(numSteps / 10));
    const res = await project(G, dist, {
      numSteps, seed, noiseInit, classIdx, wPlus: v['w-plus'] ?? false, progressFrames: frames,
      onStep: (s) => { if (s.step % every === 0 || s.step === s.numSteps) console.log(`step ${String(s.step).padStart(5)}/${s.numSteps}: dist ${s.dist.toFixed(4)} loss ${s.loss.toFixed(4)}`); },
    });
    fs.mkdirSync(v.outdir, { recursive: true });
    const proj = floatToRgb(res.image, c);
    await writePng(path.join(v.outdir, 'target.png'), target.data, r, r);
    await writePng(path.join(v.outdir, 'proj.png'), proj, r, r);
    fs.writeFileSync(path.join(v.outdir, 'projected_w.npz'), encodeNpz({ w: { data: res.w, shape: res.wShape } }));
    const anim = res.progress.map((p) => {
      const pair = new Uint8Array(2 * r * r * 3);
      pair.set(target.data);
      pair.set(floatToRgb(p.image, c), r * r * 3);
      return imageGrid(pair, 2, r, r, 2).data;
    });
    await writeAnimation(path.join(v.outdir, 'proj.webp'), anim, 2 * r, r, 10);
    console.log(`Final PSNR ${psnr(proj, target.data).toFixed(2)} dB, distance ${res.distance.toFixed(4)} (${dist.name}); wrote ${v.outdir}`);
  } finally {
    dist?.dispose();
    vgg?.dispose();
    D?.dispose();
    G.dispose();
  }
}
