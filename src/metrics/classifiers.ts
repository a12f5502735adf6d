/**
 * NVIDIA's 40 CelebA-HQ attribute classifiers for the ls metric (stylegan
 * metrics/linear_separability.py): `celebahq-classifier-NN-<attr>.pkl`, each one pickled
 * dnnlib.tflib.network.Network (not a (G, D, Gs) tuple) whose logit is the attribute's score.
 * We read them with the safe unpickler of the 2019 TF importer and run them on our
 * StyleGAN Discriminator, which is NVIDIA's D_basic; other build functions are refused by
 * name, since nothing else of theirs is implemented here.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { unpickle } from '../io/pickle.js';
import { D_BASIC_DEFAULTS, STYLEGAN_TF_HANDLERS, expectFunc, mapNetwork, readNetwork, withDefaults } from '../io/import-stylegan-tf.js';
import { defaultConfig, log2Int } from '../networks/stylegan/config.js';
import { Discriminator } from '../networks/stylegan/discriminator.js';
import { skipInit } from '../networks/params.js';
import { MissingWeightsError } from './weights.js';

/** Attribute names in NVIDIA's order (the NN of the file names). */
export const CELEBAHQ_ATTRIBUTES = [
  'male', 'smiling', 'attractive', 'wavy-hair', 'young', '5-o-clock-shadow', 'arched-eyebrows', 'bags-under-eyes',
  'bald', 'bangs', 'big-lips', 'big-nose', 'black-hair', 'blond-hair', 'blurry', 'brown-hair', 'bushy-eyebrows',
  'chubby', 'double-chin', 'eyeglasses', 'goatee', 'gray-hair', 'heavy-makeup', 'high-cheekbones',
  'mouth-slightly-open', 'mustache', 'narrow-eyes', 'no-beard', 'oval-face', 'pale-skin', 'pointy-nose',
  'receding-hairline', 'rosy-cheeks', 'sideburns', 'straight-hair', 'wearing-earrings', 'wearing-hat',
  'wearing-lipstick', 'wearing-necklace', 'wearing-necktie',
] as const;

export const classifierFileName = (i: number) => `celebahq-classifier-${String(i).padStart(2, '0')}-${CELEBAHQ_ATTRIBUTES[i]}.pkl`;

export const CLASSIFIERS_HELP = 'NVIDIA\'s 40 CelebA-HQ attribute classifiers: pass --classifiers DIR holding '
  + 'celebahq-classifier-00-male.pkl .. celebahq-classifier-39-wearing-necktie.pkl (NVIDIA publishes them as '
  + 'classifier_urls in NVlabs/stylegan metrics/linear_separability.py, on Google Drive)';

/** The 40 files of `dir`, in attribute order; one line naming the missing ones otherwise. */
export function classifierFiles(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new MissingWeightsError(`classifiers folder not found: ${dir}`);
  const files = CELEBAHQ_ATTRIBUTES.map((_, i) => path.join(dir, classifierFileName(i)));
  const missing = files.filter((f) => !fs.existsSync(f)).map((f) => path.basename(f));
  if (missing.length) {
    const shown = missing.slice(0, 3).join(', ') + (missing.length > 3 ? ` and ${missing.length - 3} more` : '');
    throw new MissingWeightsError(`${dir} lacks ${shown} (ls needs ${CLASSIFIERS_HELP})`);
  }
  return files;
}

/** A classifier as our Discriminator (its single logit per image) with its input resolution. */
export interface AttributeClassifier {
  D: Discriminator;
  resolution: number;
  dispose(): void;
}

/** Reads one classifier pickle; errors name `source`. */
export function readClassifier(bytes: Uint8Array, source: string): AttributeClassifier {
  const net = readNetwork(unpickle(bytes, source, { handlers: STYLEGAN_TF_HANDLERS }), 'classifier', source);
  expectFunc(net, 'D_basic', source, 'classifier');
  const d = withDefaults(D_BASIC_DEFAULTS, net.staticKwargs, `${source}: classifier`);
  const unsupported: string[] = [];
  // get_output_for(images, None) in the reference: no labels, so one output (label_size 0).
  if (d.label_size !== 0) unsupported.push(`label_size=${d.label_size}`);
  if (d.nonlinearity !== 'lrelu' || !d.use_wscale || d.fmap_decay !== 1) unsupported.push('nonlinearity / use_wscale / fmap_decay other than the defaults');
  const blur = d.blur_filter;
  if (!(Array.isArray(blur) && blur.join() === '1,2,1')) unsupported.push(`blur_filter=${JSON.stringify(blur)}`);
  if (d.mbstd_group_size <= 1) unsupported.push(`mbstd_group_size=${d.mbstd_group_size}`);
  if (unsupported.length) throw new Error(`${source}: unsupported classifier options: ${unsupported.join('; ')}`);
  log2Int(d.resolution);
  const cfg = defaultConfig({
    imgResolution: d.resolution, imgChannels: d.num_channels, channelBase: 2 * d.fmap_base, channelMax: d.fmap_max,
    fusedScale: d.fused_scale, mbstdGroupSize: d.mbstd_group_size, mbstdNumFeatures: d.mbstd_num_features,
  });
  const tensors = mapNetwork({ D: net }, cfg, 'D', 'classifier', source);
  const D = new Discriminator(cfg, skipInit);
  D.store.loadRaw(tensors, source);
  return { D, resolution: d.resolution, dispose: () => D.store.dispose() };
}

export function loadClassifier(file: string): AttributeClassifier {
  return readClassifier(Uint8Array.from(fs.readFileSync(file)), path.basename(file));
}

/**
 * Generated images [N, R, R, C] in [-1, 1] -> classifier input: as the reference, images
 * larger than the classifier are box-downsampled by an integer factor (no uint8 rounding).
 */
export function toClassifierResolution(img: tf.Tensor4D, resolution: number): tf.Tensor4D {
  const [n, h, w, c] = img.shape;
  if (h === resolution && w === resolution) return img;
  if (h < resolution || h % resolution !== 0 || w !== h) {
    throw new Error(`ls: ${h}x${w} images cannot be box-downsampled to the classifiers' ${resolution}x${resolution}`);
  }
  const f = h / resolution;
  return tf.tidy(() => tf.mean(tf.reshape(img, [n, resolution, f, resolution, f, c]), [2, 4]) as tf.Tensor4D);
}
