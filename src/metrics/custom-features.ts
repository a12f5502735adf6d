/**
 * A user-named feature network for `fid_custom`: any TF.js model (Layers or Graph format:
 * model.json + its weight shards, as written by tfjs `model.save` or tensorflowjs_converter).
 * Images are resized (bilinear) to the model's input size and scaled to the range asked for;
 * 4-d outputs are averaged over space, others flattened, giving one feature vector per image.
 * No discriminator and no fixed ImageNet network is involved: FID on features the user trusts.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { MissingWeightsError } from './weights.js';

export type FeatureRange = '0,1' | '-1,1' | '0,255';
export const FEATURE_RANGES: readonly FeatureRange[] = ['0,1', '-1,1', '0,255'];

interface ModelJson {
  format?: string;
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  [k: string]: unknown;
}

function readModelJson(file: string): ModelJson {
  if (!fs.existsSync(file)) throw new MissingWeightsError(`feature network not found: ${file}`);
  let json: ModelJson;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new MissingWeightsError(`${file}: not a TF.js model.json (${(e as Error).message.split('\n')[0]})`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new MissingWeightsError(`${file}: not a TF.js model.json (needs modelTopology and weightsManifest)`);
  }
  return json;
}

/** Content hash of model.json and its shards (cache key of the real statistics). */
export function modelHash(file: string): string {
  const json = readModelJson(file);
  const h = crypto.createHash('sha256').update(fs.readFileSync(file));
  for (const g of json.weightsManifest) for (const p of g.paths) h.update(fs.readFileSync(path.join(path.dirname(file), p)));
  return h.digest('hex').slice(0, 16);
}

export class CustomFeatureNet {
  private constructor(
    private readonly model: GraphModel | LayersModel,
    readonly inputSize: [number, number],
    readonly range: FeatureRange,
    readonly source: string,
  ) {}

  static async load(file: string, range: FeatureRange = '0,1'): Promise<CustomFeatureNet> {
    const json = readModelJson(file);
    const dir = path.dirname(file);
    const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
    const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => {
      const f = path.join(dir, p);
      if (!fs.existsSync(f)) throw new MissingWeightsError(`${file}: weight shard not found: ${f}`);
      return fs.readFileSync(f);
    }));
    const all = Buffer.concat(shards);
    const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
    const artifacts: tf.io.ModelArtifacts = { ...(json as object), modelTopology: json.modelTopology, weightSpecs, weightData, format: json.format };
    const graph = json.format === 'graph-model' || 'node' in json.modelTopology;
    // Loaded on demand: only --fid-model needs the model loaders (converter / layers).
    const model = graph
      ? await (await import('@tensorflow/tfjs-converter')).loadGraphModel(tf.io.fromMemory(artifacts))
      : await (await import('@tensorflow/tfjs-layers')).loadLayersModel(tf.io.fromMemory(artifacts));
    const shape = graph ? (model as GraphModel).inputs[0].shape : (model as LayersModel).inputs[0].shape;
    if (!shape || shape.length !== 4 || shape[3] !== 3 || !shape[1] || !shape[2] || shape[1] < 1 || shape[2] < 1) {
      throw new MissingWeightsError(`${file}: the feature network must take images [N, H, W, 3] with a fixed H and W, got [${shape}]`);
    }
    return new CustomFeatureNet(model, [shape[1], shape[2]], range, file);
  }

  /** uint8 NHWC images [n, r, r, 3] -> features [n, dim]. */
  features(images: Uint8Array, n: number, r: number): tf.Tensor2D {
    return tf.tidy(() => {
      let x = tf.cast(tf.tensor4d(images, [n, r, r, 3], 'int32'), 'float32');
      const [h, w] = this.inputSize;
      if (h !== r || w !== r) x = tf.image.resizeBilinear(x, [h, w], false, true);
      x = this.range === '0,255' ? x : this.range === '0,1' ? tf.div(x, 255) : tf.sub(tf.div(x, 127.5), 1);
      let y = this.model.predict(x) as tf.Tensor | tf.Tensor[];
      if (Array.isArray(y)) y = y[0];
      if (y.rank === 4) y = tf.mean(y, [1, 2]);
      return tf.reshape(y, [n, -1]) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.model.dispose();
  }
}
