/**
 * The Inception-v3 of published FID numbers (the TF graph inception-2015-12-05 used by
 * TTUR's FID code and NVIDIA's metrics), as pytorch-fid rebuilds it (FIDInceptionA/C/E_1/E_2:
 * average pools that exclude padding, a max pool in the last block), in tfjs, from the
 * PyTorch state dict `pt_inception-2015-12-05-6726825d.pth` converted to .safetensors/.npz
 * (same key names, e.g. `Mixed_5b.branch1x1.conv.weight`, `Mixed_5b.branch1x1.bn.running_var`,
 * `fc.weight`). BatchNorm (eps 1e-3) is folded into the convolutions at load time.
 *
 * Input as NVIDIA's detector: uint8 RGB, resized to 299x299 with TF1's legacy bilinear
 * (align_corners=False, no half-pixel centres; NVIDIA emulates it with a shifted
 * affine_grid), then (x - 128) / 128. Output: pool3 features [N, 2048], optionally the
 * 1008 logits (for the Inception Score).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type WeightSource, take, torchConvToHwio } from './weights.js';

interface Conv { w: tf.Tensor4D; b: tf.Tensor1D; stride: number; pad: [number, number] }

const BN_EPS = 1e-3;

type K = number | [number, number];
const pair = (k: K): [number, number] => (typeof k === 'number' ? [k, k] : k);

export class InceptionV3 {
  private readonly convs = new Map<string, Conv>();
  private fcW?: tf.Tensor2D;
  private fcB?: tf.Tensor1D;
  static readonly FEATURES = 2048;
  static readonly CLASSES = 1008;

  constructor(w: WeightSource, readonly source: string) {
    try {
      this.build(w);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** BasicConv2d = conv (no bias) + BN + ReLU, folded to conv + bias. */
  private basic(w: WeightSource, name: string, inC: number, out: number, k: K, stride = 1, pad: K = 0): void {
    const [kh, kw] = pair(k);
    const wt = take(w, `${name}.conv.weight`, [out, inC, kh, kw], this.source);
    const gamma = take(w, `${name}.bn.weight`, [out], this.source);
    const beta = take(w, `${name}.bn.bias`, [out], this.source);
    const mean = take(w, `${name}.bn.running_mean`, [out], this.source);
    const variance = take(w, `${name}.bn.running_var`, [out], this.source);
    const hwio = torchConvToHwio(wt, out, inC, kh, kw);
    const bias = new Float32Array(out);
    for (let o = 0; o < out; o++) {
      // Folded in Float64, rounded once.
      const scale = gamma[o] / Math.sqrt(variance[o] + BN_EPS);
      bias[o] = beta[o] - mean[o] * scale;
      for (let j = o; j < hwio.length; j += out) hwio[j] = hwio[j] * scale;
    }
    this.convs.set(name, { w: tf.tensor4d(hwio, [kh, kw, inC, out]), b: tf.tensor1d(bias), stride, pad: pair(pad) });
  }

  private build(w: WeightSource): void {
    const b = this.basic.bind(this, w);
    b('Conv2d_1a_3x3', 3, 32, 3, 2);
    b('Conv2d_2a_3x3', 32, 32, 3);
    b('Conv2d_2b_3x3', 32, 64, 3, 1, 1);
    b('Conv2d_3b_1x1', 64, 80, 1);
    b('Conv2d_4a_3x3', 80, 192, 3);
    const A = (n: string, inC: number, pool: number) => {
      b(`${n}.branch1x1`, inC, 64, 1);
      b(`${n}.branch5x5_1`, inC, 48, 1);
      b(`${n}.branch5x5_2`, 48, 64, 5, 1, 2);
      b(`${n}.branch3x3dbl_1`, inC, 64, 1);
      b(`${n}.branch3x3dbl_2`, 64, 96, 3, 1, 1);
      b(`${n}.branch3x3dbl_3`, 96, 96, 3, 1, 1);
      b(`${n}.branch_pool`, inC, pool, 1);
    };
    A('Mixed_5b', 192, 32);
    A('Mixed_5c', 256, 64);
    A('Mixed_5d', 288, 64);
    b('Mixed_6a.branch3x3', 288, 384, 3, 2);
    b('Mixed_6a.branch3x3dbl_1', 288, 64, 1);
    b('Mixed_6a.branch3x3dbl_2', 64, 96, 3, 1, 1);
    b('Mixed_6a.branch3x3dbl_3', 96, 96, 3, 2);
    const C = (n: string, c7: number) => {
      b(`${n}.branch1x1`, 768, 192, 1);
      b(`${n}.branch7x7_1`, 768, c7, 1);
      b(`${n}.branch7x7_2`, c7, c7, [1, 7], 1, [0, 3]);
      b(`${n}.branch7x7_3`, c7, 192, [7, 1], 1, [3, 0]);
      b(`${n}.branch7x7dbl_1`, 768, c7, 1);
      b(`${n}.branch7x7dbl_2`, c7, c7, [7, 1], 1, [3, 0]);
      b(`${n}.branch7x7dbl_3`, c7, c7, [1, 7], 1, [0, 3]);
      b(`${n}.branch7x7dbl_4`, c7, c7, [7, 1], 1, [3, 0]);
      b(`${n}.branch7x7dbl_5`, c7, 192, [1, 7], 1, [0, 3]);
      b(`${n}.branch_pool`, 768, 192, 1);
    };
    C('Mixed_6b', 128);
    C('Mixed_6c', 160);
    C('Mixed_6d', 160);
    C('Mixed_6e', 192);
    b('Mixed_7a.branch3x3_1', 768, 192, 1);
    b('Mixed_7a.branch3x3_2', 192, 320, 3, 2);
    b('Mixed_7a.branch7x7x3_1', 768, 192, 1);
    b('Mixed_7a.branch7x7x3_2', 192, 192, [1, 7], 1, [0, 3]);
    b('Mixed_7a.branch7x7x3_3', 192, 192, [7, 1], 1, [3, 0]);
    b('Mixed_7a.branch7x7x3_4', 192, 192, 3, 2);
    const E = (n: string, inC: number) => {
      b(`${n}.branch1x1`, inC, 320, 1);
      b(`${n}.branch3x3_1`, inC, 384, 1);
      b(`${n}.branch3x3_2a`, 384, 384, [1, 3], 1, [0, 1]);
      b(`${n}.branch3x3_2b`, 384, 384, [3, 1], 1, [1, 0]);
      b(`${n}.branch3x3dbl_1`, inC, 448, 1);
      b(`${n}.branch3x3dbl_2`, 448, 384, 3, 1, 1);
      b(`${n}.branch3x3dbl_3a`, 384, 384, [1, 3], 1, [0, 1]);
      b(`${n}.branch3x3dbl_3b`, 384, 384, [3, 1], 1, [1, 0]);
      b(`${n}.branch_pool`, inC, 192, 1);
    };
    E('Mixed_7b', 1280);
    E('Mixed_7c', 2048);
    if (w.has('fc.weight')) {
      const fw = take(w, 'fc.weight', [InceptionV3.CLASSES, 2048], this.source);
      const fb = take(w, 'fc.bias', [InceptionV3.CLASSES], this.source);
      // [2048, classes] for matMul; the [classes, 2048] tensor it came from is freed (tidy).
      this.fcW = tf.tidy(() => tf.transpose(tf.tensor2d(fw, [InceptionV3.CLASSES, 2048])));
      this.fcB = tf.tensor1d(fb);
    }
  }

  private conv(name: string, x: tf.Tensor4D): tf.Tensor4D {
    const c = this.convs.get(name)!;
    const [ph, pw] = c.pad;
    const padded = ph || pw ? tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]]) : x;
    return tf.relu(tf.add(tf.conv2d(padded, c.w, c.stride, 'valid'), c.b)) as tf.Tensor4D;
  }

  /** 3x3 stride-1 average pool, padding 1, dividing by the number of real pixels (count_include_pad=False). */
  private avgPoolNoPad(x: tf.Tensor4D): tf.Tensor4D {
    const p: Array<[number, number]> = [[0, 0], [1, 1], [1, 1], [0, 0]];
    const [, h, w] = x.shape;
    const sum = tf.mul(tf.avgPool(tf.pad(x, p), 3, 1, 'valid'), 9);
    const count = tf.mul(tf.avgPool(tf.pad(tf.ones([1, h, w, 1]) as tf.Tensor4D, p), 3, 1, 'valid'), 9);
    return tf.div(sum, count);
  }

  /** 3x3 stride-1 max pool, padding 1 (padding never wins: -inf as PyTorch). */
  private maxPoolPad(x: tf.Tensor4D): tf.Tensor4D {
    return tf.maxPool(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], -3.4e38), 3, 1, 'valid');
  }

  /** Normalised network input [N, H, W, 3] (already resized) -> pool3 [N, 2048] and logits. */
  forwardNormalized(x: tf.Tensor4D, withLogits = false): { features: tf.Tensor2D; logits?: tf.Tensor2D } {
    return tf.tidy(() => {
      const cv = (n: string, t: tf.Tensor4D) => this.conv(n, t);
      const maxPool = (t: tf.Tensor4D) => tf.maxPool(t, 3, 2, 'valid');
      x = cv('Conv2d_1a_3x3', x);
      x = cv('Conv2d_2a_3x3', x);
      x = cv('Conv2d_2b_3x3', x);
      x = maxPool(x);
      x = cv('Conv2d_3b_1x1', x);
      x = cv('Conv2d_4a_3x3', x);
      x = maxPool(x);
      const A = (n: string, t: tf.Tensor4D) => tf.concat([
        cv(`${n}.branch1x1`, t),
        cv(`${n}.branch5x5_2`, cv(`${n}.branch5x5_1`, t)),
        cv(`${n}.branch3x3dbl_3`, cv(`${n}.branch3x3dbl_2`, cv(`${n}.branch3x3dbl_1`, t))),
        cv(`${n}.branch_pool`, this.avgPoolNoPad(t)),
      ], 3) as tf.Tensor4D;
      x = A('Mixed_5b', x);
      x = A('Mixed_5c', x);
      x = A('Mixed_5d', x);
      x = tf.concat([
        cv('Mixed_6a.branch3x3', x),
        cv('Mixed_6a.branch3x3dbl_3', cv('Mixed_6a.branch3x3dbl_2', cv('Mixed_6a.branch3x3dbl_1', x))),
        maxPool(x),
      ], 3) as tf.Tensor4D;
      const C = (n: string, t: tf.Tensor4D) => tf.concat([
        cv(`${n}.branch1x1`, t),
        cv(`${n}.branch7x7_3`, cv(`${n}.branch7x7_2`, cv(`${n}.branch7x7_1`, t))),
        cv(`${n}.branch7x7dbl_5`, cv(`${n}.branch7x7dbl_4`, cv(`${n}.branch7x7dbl_3`, cv(`${n}.branch7x7dbl_2`, cv(`${n}.branch7x7dbl_1`, t))))),
        cv(`${n}.branch_pool`, this.avgPoolNoPad(t)),
      ], 3) as tf.Tensor4D;
      x = C('Mixed_6b', x);
      x = C('Mixed_6c', x);
      x = C('Mixed_6d', x);
      x = C('Mixed_6e', x);
      x = tf.concat([
        cv('Mixed_7a.branch3x3_2', cv('Mixed_7a.branch3x3_1', x)),
        cv('Mixed_7a.branch7x7x3_4', cv('Mixed_7a.branch7x7x3_3', cv('Mixed_7a.branch7x7x3_2', cv('Mixed_7a.branch7x7x3_1', x)))),
        maxPool(x),
      ], 3) as tf.Tensor4D;
      const E = (n: string, t: tf.Tensor4D, lastBlock: boolean) => {
        const b3 = cv(`${n}.branch3x3_1`, t);
        const bd = cv(`${n}.branch3x3dbl_2`, cv(`${n}.branch3x3dbl_1`, t));
        return tf.concat([
          cv(`${n}.branch1x1`, t),
          cv(`${n}.branch3x3_2a`, b3), cv(`${n}.branch3x3_2b`, b3),
          cv(`${n}.branch3x3dbl_3a`, bd), cv(`${n}.branch3x3dbl_3b`, bd),
          cv(`${n}.branch_pool`, lastBlock ? this.maxPoolPad(t) : this.avgPoolNoPad(t)),
        ], 3) as tf.Tensor4D;
      };
      x = E('Mixed_7b', x, false);
      x = E('Mixed_7c', x, true);
      const features = tf.mean(x, [1, 2]) as tf.Tensor2D;
      if (!withLogits) return { features };
      if (!this.fcW || !this.fcB) throw new Error(`${this.source}: no fc.weight/fc.bias, needed for the Inception Score`);
      // NVIDIA's IS uses the logits without the output bias (no_output_bias=True).
      return { features, logits: tf.matMul(features, this.fcW) as tf.Tensor2D };
    });
  }

  /** uint8 NHWC images [n, r, r, 3] -> pool3 features (and logits) as NVIDIA's detector. */
  forward(images: Uint8Array, n: number, r: number, withLogits = false): { features: tf.Tensor2D; logits?: tf.Tensor2D } {
    return tf.tidy(() => {
      const x = tf.cast(tf.tensor4d(images, [n, r, r, 3], 'int32'), 'float32');
      return this.forwardNormalized(prepareInceptionInput(x), withLogits);
    });
  }

  dispose(): void {
    for (const c of this.convs.values()) {
      c.w.dispose();
      c.b.dispose();
    }
    this.convs.clear();
    this.fcW?.dispose();
    this.fcB?.dispose();
  }
}

/** [N, H, W, 3] floats in [0, 255] -> 299x299 (TF1 legacy bilinear) scaled to about [-1, 1]. */
export function prepareInceptionInput(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const resized = h === 299 && w === 299 ? x : tf.image.resizeBilinear(x, [299, 299], false, false);
    return tf.div(tf.sub(resized, 128), 128);
  });
}
