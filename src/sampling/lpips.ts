/**
 * LPIPS (Zhang et al. 2018, "lin" v0.1) on VGG16, the distance NVIDIA's projector.py uses.
 * We do not ship or download the weights: the user exports them from the `lpips` Python
 * package once (see LPIPS_EXPORT_HINT) as .npz or .safetensors with its state_dict names
 * (`net.sliceK.N.weight` / torchvision's `features.N.weight`, `linK.model.1.weight`).
 * Channel widths are read from the weights, so any VGG16-shaped network loads. Browser-safe.
 */
import * as tf from '@tensorflow/tfjs';
import { parseNpz } from '../io/npy.js';
import { decodeSafetensors, tensorToFloat32 } from '../io/safetensors.js';
import type { ImageDistance } from './projection-distance.js';

export const LPIPS_EXPORT_HINT =
  "python -c \"import lpips, numpy as np; m = lpips.LPIPS(net='vgg'); np.savez('lpips_vgg16.npz', **{k: v.numpy() for k, v in m.state_dict().items()})\"";

/** torchvision VGG16 `features` indices of the 13 convs; LPIPS taps relu1_2 .. relu5_3. */
const CONV_INDICES = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];
/** After which conv (position in CONV_INDICES) each stage ends: a feature tap, then 2x2 max-pool. */
const TAPS = [1, 3, 6, 9, 12];
/** LPIPS ScalingLayer: inputs in [-1, 1] to ImageNet-normalised. */
const SHIFT = [-0.03, -0.088, -0.188];
const SCALE = [0.458, 0.448, 0.45];

export interface LpipsWeights {
  /** HWIO conv kernels and biases, in network order. */
  convs: Array<{ weight: tf.Tensor4D; bias: tf.Tensor1D }>;
  /** Per-tap channel weights [C]. */
  lins: tf.Tensor1D[];
}

type Raw = { shape: number[]; data: Float32Array };

function readArrays(bytes: Uint8Array, source: string): Record<string, Raw> {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    // A zip: .npz, or a TorchScript/torch.save file, which we cannot execute.
    let npz;
    try {
      npz = parseNpz(bytes, source);
    } catch (e) {
      throw new Error(`${source}: not an .npz of LPIPS weights (TorchScript .pt files such as NVIDIA's vgg16.pt are not supported; export with: ${LPIPS_EXPORT_HINT}): ${(e as Error).message}`);
    }
    const out: Record<string, Raw> = {};
    for (const [k, a] of Object.entries(npz)) if (!(a.data instanceof BigInt64Array)) out[k] = { shape: a.shape, data: Float32Array.from(a.data as ArrayLike<number>) };
    return out;
  }
  const st = decodeSafetensors(bytes, source);
  const out: Record<string, Raw> = {};
  for (const [k, t] of Object.entries(st.tensors)) out[k] = { shape: t.shape, data: tensorToFloat32(t) };
  return out;
}

/** Finds `<prefix>N.weight` for a torchvision feature index N under any prefix (features., net.sliceK.). */
function findConv(arrays: Record<string, Raw>, index: number, what: 'weight' | 'bias'): Raw | undefined {
  const re = new RegExp(`(^|\\.)(features|slice\\d)\\.${index}\\.${what}$`);
  const keys = Object.keys(arrays).filter((k) => re.test(k));
  return keys.length === 1 ? arrays[keys[0]] : undefined;
}

export function loadLpipsWeights(bytes: Uint8Array, source: string): LpipsWeights {
  const arrays = readArrays(bytes, source);
  const convs: LpipsWeights['convs'] = [];
  let cin = 3;
  for (const idx of CONV_INDICES) {
    const w = findConv(arrays, idx, 'weight'), b = findConv(arrays, idx, 'bias');
    if (!w || !b) throw new Error(`${source}: missing VGG16 conv features.${idx} (weight and bias); export with: ${LPIPS_EXPORT_HINT}`);
    const [o, i, kh, kw] = w.shape;
    if (w.shape.length !== 4 || i !== cin || kh !== 3 || kw !== 3 || b.shape.length !== 1 || b.shape[0] !== o) {
      throw new Error(`${source}: VGG16 conv features.${idx} has weight [${w.shape}] / bias [${b.shape}], expected [C, ${cin}, 3, 3] / [C]`);
    }
    // torch OIHW -> tf HWIO; both frameworks cross-correlate, so no kernel flip.
    convs.push({ weight: tf.tidy(() => tf.transpose(tf.tensor4d(w.data, [o, i, 3, 3]), [2, 3, 1, 0])), bias: tf.tensor1d(b.data) });
    cin = o;
  }
  const lins = TAPS.map((tap, k) => {
    const c = convs[tap].bias.shape[0];
    const key = Object.keys(arrays).find((n) => n === `lin${k}.model.1.weight` || n === `lin${k}.weight`);
    const a = key ? arrays[key] : undefined;
    if (!a || a.data.length !== c) {
      convs.forEach((x) => { x.weight.dispose(); x.bias.dispose(); });
      throw new Error(`${source}: missing LPIPS lin${k}.model.1.weight with ${c} channels (this needs the LPIPS weights, not plain VGG16); export with: ${LPIPS_EXPORT_HINT}`);
    }
    return tf.tensor1d(a.data);
  });
  return { convs, lins };
}

export function disposeLpips(w: LpipsWeights): void {
  w.convs.forEach((c) => { c.weight.dispose(); c.bias.dispose(); });
  w.lins.forEach((l) => l.dispose());
}

/** VGG16 activations at relu1_2, relu2_2, relu3_3, relu4_3, relu5_3 of images in [-1, 1]. */
export function vggFeatures(w: LpipsWeights, img: tf.Tensor4D): tf.Tensor4D[] {
  let x = tf.div(tf.sub(img, tf.tensor1d(SHIFT)), tf.tensor1d(SCALE)) as tf.Tensor4D;
  const taps: tf.Tensor4D[] = [];
  w.convs.forEach((c, i) => {
    x = tf.relu(tf.add(tf.conv2d(x, c.weight, 1, 'same'), c.bias)) as tf.Tensor4D;
    if (TAPS.includes(i)) {
      taps.push(x);
      if (i !== TAPS[TAPS.length - 1]) x = tf.maxPool(x, 2, 2, 'valid');
    }
  });
  return taps;
}

function normalizeChannels(x: tf.Tensor4D): tf.Tensor4D {
  // The 1e-24 inside the sqrt keeps the gradient finite for all-zero (dead ReLU) feature vectors.
  return tf.div(x, tf.add(tf.sqrt(tf.add(tf.sum(tf.square(x), -1, true), 1e-24)), 1e-10));
}

/** LPIPS of each pair: sum over taps of the spatial mean of lin-weighted squared differences; [N]. */
export function lpips(w: LpipsWeights, a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const fa = vggFeatures(w, a), fb = vggFeatures(w, b);
    const per = fa.map((f, k) => tf.mean(tf.sum(tf.mul(tf.squaredDifference(normalizeChannels(f), normalizeChannels(fb[k])), w.lins[k]), -1), [1, 2]));
    return tf.addN(per) as tf.Tensor1D;
  });
}

/**
 * projector.py's distance: images above 256 px are area-downsampled to 256 first (VGG was
 * trained near 224 px), then the LPIPS feature distance.
 */
export function lpipsDistance(w: LpipsWeights, target: tf.Tensor4D): ImageDistance {
  const prep = (x: tf.Tensor4D): tf.Tensor4D => {
    const r = x.shape[1];
    return r > 256 ? tf.avgPool(x, r / 256, r / 256, 'valid') : x;
  };
  const t = tf.tidy(() => tf.keep(tf.clone(prep(target))));
  return {
    name: 'LPIPS (VGG16)',
    distance: (synth) => tf.tidy(() => tf.sum(lpips(w, prep(synth), t)) as tf.Scalar),
    dispose: () => t.dispose(),
  };
}
