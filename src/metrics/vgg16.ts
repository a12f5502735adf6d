/**
 * VGG16 for the metrics that use it, in tfjs, from a user-supplied state dict
 * (.safetensors/.npz) with torchvision + LPIPS key names:
 *  - `features.{0,2,5,7,10,12,14,17,19,21,24,26,28}.weight|bias` (torchvision vgg16().features),
 *  - `lin{0..4}.model.1.weight` [1, C, 1, 1] (LPIPS v0.1 `weights/v0.1/vgg.pth`), for PPL,
 *  - `classifier.0.weight|bias`, `classifier.3.weight|bias` (torchvision vgg16().classifier),
 *    for the 4096-d fc2 features of precision/recall.
 *
 * LPIPS (Zhang et al. 2018): inputs in [-1, 1], the LPIPS scaling layer, unit-normalised
 * channel vectors at relu1_2, relu2_2, relu3_3, relu4_3, relu5_3, squared differences weighted
 * by lin, averaged over space and summed over layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type WeightSource, take, torchConvToHwio, MissingWeightsError } from './weights.js';

/** [torchvision index, in, out] of each 3x3 conv; 'M' = 2x2 max pool. */
const CFG: Array<[number, number, number] | 'M'> = [
  [0, 3, 64], [2, 64, 64], 'M', [5, 64, 128], [7, 128, 128], 'M',
  [10, 128, 256], [12, 256, 256], [14, 256, 256], 'M',
  [17, 256, 512], [19, 512, 512], [21, 512, 512], 'M',
  [24, 512, 512], [26, 512, 512], [28, 512, 512],
];
/** Conv indices whose ReLU output LPIPS compares. */
const TAPS = [2, 7, 14, 21, 28];
const LIN_CHANNELS = [64, 128, 256, 512, 512];
const LPIPS_SHIFT = [-0.03, -0.088, -0.188];
const LPIPS_SCALE = [0.458, 0.448, 0.45];
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

export class Vgg16 {
  private readonly convs = new Map<number, { w: tf.Tensor4D; b: tf.Tensor1D }>();
  private readonly lins: tf.Tensor1D[] = [];
  private fc?: { w0: tf.Tensor2D; b0: tf.Tensor1D; w3: tf.Tensor2D; b3: tf.Tensor1D };

  constructor(w: WeightSource, readonly source: string, opts: { lpips?: boolean; fc?: boolean } = { lpips: true }) {
    try {
      for (const layer of CFG) {
        if (layer === 'M') continue;
        const [i, inC, out] = layer;
        const wt = take(w, `features.${i}.weight`, [out, inC, 3, 3], source);
        this.convs.set(i, { w: tf.tensor4d(torchConvToHwio(wt, out, inC, 3, 3), [3, 3, inC, out]), b: tf.tensor1d(take(w, `features.${i}.bias`, [out], source)) });
      }
      if (opts.lpips) LIN_CHANNELS.forEach((c, l) => this.lins.push(tf.tensor1d(take(w, `lin${l}.model.1.weight`, [1, c, 1, 1], source))));
      if (opts.fc) {
        if (!w.has('classifier.0.weight')) throw new MissingWeightsError(`${source}: no classifier.0/classifier.3 weights (torchvision vgg16 classifier), needed for precision/recall features`);
        this.fc = {
          w0: tf.transpose(tf.tensor2d(take(w, 'classifier.0.weight', [4096, 25088], source), [4096, 25088])),
          b0: tf.tensor1d(take(w, 'classifier.0.bias', [4096], source)),
          w3: tf.transpose(tf.tensor2d(take(w, 'classifier.3.weight', [4096, 4096], source), [4096, 4096])),
          b3: tf.tensor1d(take(w, 'classifier.3.bias', [4096], source)),
        };
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Normalised input [N, H, W, 3] -> ReLU outputs at the LPIPS taps (and the last feature map). */
  private run(x: tf.Tensor4D, allLayers: boolean): { taps: tf.Tensor4D[]; last: tf.Tensor4D } {
    const taps: tf.Tensor4D[] = [];
    for (const layer of CFG) {
      if (layer === 'M') {
        x = tf.maxPool(x, 2, 2, 'valid');
        continue;
      }
      const c = this.convs.get(layer[0])!;
      x = tf.relu(tf.add(tf.conv2d(x, c.w, 1, 'same'), c.b)) as tf.Tensor4D;
      if (TAPS.includes(layer[0])) taps.push(x);
      if (!allLayers && taps.length === TAPS.length) break;
    }
    return { taps, last: x };
  }

  /** LPIPS distance between images a and b [N, H, W, 3] in [-1, 1] -> [N]. */
  lpips(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor1D {
    if (this.lins.length === 0) throw new Error(`${this.source}: loaded without LPIPS weights`);
    return tf.tidy(() => {
      const scale = (x: tf.Tensor4D) => tf.div(tf.sub(x, LPIPS_SHIFT), LPIPS_SCALE) as tf.Tensor4D;
      const ta = this.run(scale(a), false).taps, tb = this.run(scale(b), false).taps;
      const unit = (f: tf.Tensor4D) => tf.div(f, tf.add(tf.sqrt(tf.sum(tf.square(f), 3, true)), 1e-10));
      let total: tf.Tensor = tf.zeros([a.shape[0]]);
      ta.forEach((fa, l) => {
        const d = tf.sum(tf.mul(tf.square(tf.sub(unit(fa), unit(tb[l]))), this.lins[l]), 3);
        total = tf.add(total, tf.mean(d, [1, 2]));
      });
      return total as tf.Tensor1D;
    });
  }

  /** uint8 NHWC images -> 4096-d fc2 features (after its ReLU), at 224x224 with ImageNet normalisation. */
  fc2(images: Uint8Array, n: number, r: number): tf.Tensor2D {
    if (!this.fc) throw new Error(`${this.source}: loaded without classifier weights`);
    const fc = this.fc;
    return tf.tidy(() => {
      let x = tf.div(tf.cast(tf.tensor4d(images, [n, r, r, 3], 'int32'), 'float32'), 255) as tf.Tensor4D;
      if (r !== 224) x = tf.image.resizeBilinear(x, [224, 224], false, true);
      x = tf.div(tf.sub(x, IMAGENET_MEAN), IMAGENET_STD) as tf.Tensor4D;
      const last = tf.maxPool(this.run(x, true).last, 2, 2, 'valid'); // [N, 7, 7, 512]
      // torchvision flattens NCHW: channel-major.
      const flat = tf.reshape(tf.transpose(last, [0, 3, 1, 2]), [n, 25088]);
      const h = tf.relu(tf.add(tf.matMul(flat, fc.w0), fc.b0));
      return tf.relu(tf.add(tf.matMul(h, fc.w3), fc.b3)) as tf.Tensor2D;
    });
  }

  dispose(): void {
    for (const c of this.convs.values()) tf.dispose([c.w, c.b]);
    this.convs.clear();
    tf.dispose(this.lins);
    this.lins.length = 0;
    if (this.fc) tf.dispose([this.fc.w0, this.fc.b0, this.fc.w3, this.fc.b3]);
  }
}
