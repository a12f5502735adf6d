/**
 * Projection of an image into W, following NVIDIA's projector.py (StyleGAN2 paper, appendix D):
 * start at w_avg, optimise w (or w+) and the per-layer noise maps with Adam under a
 * ramped learning rate, with Gaussian w perturbation that decays to 0, a multi-scale
 * autocorrelation penalty that keeps the noise maps from encoding the image, and noise maps
 * renormalised to N(0, 1) after every step. Browser-safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorLike } from '../networks/generator-api.js';
import type { ImageDistance } from './projection-distance.js';
import { hasStore, noiseBuffers } from './noise-buffers.js';
import { RandomState } from './rng.js';
import { checkClass, sameClassRows } from './labels.js';

export interface ProjectOptions {
  numSteps?: number;
  /** Seeds the w perturbation (and the noise-map initialisation with noiseInit 'random'). */
  seed?: number;
  /**
   * Where the optimised noise maps start: 'generator' (default), the generator's own stored
   * maps, which are what `generate` (noise mode 'const') and `generate --projected-w` render
   * with, so an image the network generated is reachable with its exact noise; 'random',
   * fresh N(0, 1) maps as NVIDIA's projector.py. Both are white N(0, 1) maps, so for a
   * photo neither start is favoured.
   */
  noiseInit?: 'generator' | 'random';
  /** Optimise one w per style (w+) instead of a single w shared by all styles. */
  wPlus?: boolean;
  wAvgSamples?: number;
  initialLearningRate?: number;
  initialNoiseFactor?: number;
  lrRampdownLength?: number;
  lrRampupLength?: number;
  noiseRampLength?: number;
  /** Default: the distance's own regularizeNoiseWeight, else NVIDIA's 1e5 (for LPIPS). */
  regularizeNoiseWeight?: number;
  /** Conditional networks: project into the W of this class (w statistics from its labels, as StyleGAN-XL's run_inversion.py with a known class). */
  classIdx?: number;
  /** Called after every step. */
  onStep?: (s: { step: number; numSteps: number; dist: number; loss: number }) => void;
  /** Capture this many evenly spaced progress images (current w and noise), the last after the final step. */
  progressFrames?: number;
}

export interface ProjectResult {
  /** Projected w, [1, numWs, wDim] flat (styles repeated unless w+). */
  w: Float32Array;
  /** [1, numWs, wDim]: the shape of w, as projected_w.npz stores it. */
  wShape: [number, number, number];
  /** The projection with the optimised noise, [R, R, C] floats. */
  image: Float32Array;
  /** Optimised noise maps in layer order, [R, R] flat (the generator's own maps are restored). */
  noise: Float32Array[];
  /** Distance of the final image to the target (without the noise regulariser). */
  distance: number;
  progress: Array<{ step: number; image: Float32Array }>;
}

/** NVIDIA's w statistics: mean over mapping(RandomState(123).randn(n, zDim)) (with class `classIdx` when conditional), and the RMS distance to it. */
export async function wStats(G: GeneratorLike, samples = 10000, classIdx?: number): Promise<{ wAvg: Float32Array; wStd: number }> {
  checkClass(G, classIdx);
  const rng = new RandomState(123);
  const wDim = G.cfg.wDim, zDim = G.cfg.zDim, chunk = 1000;
  const sum = new Float64Array(wDim);
  const all: Float32Array[] = [];
  for (let i = 0; i < samples; i += chunk) {
    const k = Math.min(chunk, samples - i);
    // Untruncated ws; every style holds the same w, so style 0 is w.
    const w = tf.tidy(() => tf.slice(G.mappingForward(tf.tensor2d(Float32Array.from(rng.randn(k, zDim)), [k, zDim]), { c: sameClassRows(G, k, classIdx) }), [0, 0, 0], [k, 1, wDim]));
    const data = (await w.data()) as Float32Array;
    w.dispose();
    all.push(data);
    for (let j = 0; j < data.length; j++) sum[j % wDim] += data[j];
  }
  const wAvg = Float32Array.from(sum, (s) => s / samples);
  let sq = 0;
  for (const data of all) for (let j = 0; j < data.length; j++) sq += (data[j] - wAvg[j % wDim]) ** 2;
  return { wAvg, wStd: Math.sqrt(sq / samples) };
}

/** projector.py's learning rate at fraction t of the run: cosine ramp-down, linear ramp-up. */
export function projectionLr(t: number, o: { initialLearningRate: number; lrRampdownLength: number; lrRampupLength: number }): number {
  let ramp = Math.min(1, (1 - t) / o.lrRampdownLength);
  ramp = 0.5 - 0.5 * Math.cos(ramp * Math.PI);
  ramp *= Math.min(1, t / o.lrRampupLength);
  return o.initialLearningRate * ramp;
}

/** Shift by one along axis (1 = H, 2 = W), wrapping around, as torch.roll(x, 1, dim). */
function roll1(x: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D {
  const n = x.shape[axis];
  const last = axis === 1 ? tf.slice(x, [0, n - 1, 0, 0], [-1, 1, -1, -1]) : tf.slice(x, [0, 0, n - 1, 0], [-1, -1, 1, -1]);
  const rest = axis === 1 ? tf.slice(x, [0, 0, 0, 0], [-1, n - 1, -1, -1]) : tf.slice(x, [0, 0, 0, 0], [-1, -1, n - 1, -1]);
  return tf.concat([last, rest], axis);
}

/** Squared autocorrelation at one-pixel shifts, summed over a pyramid down to 8 px. */
export function noiseRegularization(maps: tf.Tensor4D[]): tf.Scalar {
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    for (let n of maps) {
      for (;;) {
        terms.push(tf.square(tf.mean(tf.mul(n, roll1(n, 2)))) as tf.Scalar);
        terms.push(tf.square(tf.mean(tf.mul(n, roll1(n, 1)))) as tf.Scalar);
        if (n.shape[1] <= 8) break;
        n = tf.avgPool(n, 2, 2, 'valid');
      }
    }
    return tf.addN(terms) as tf.Scalar;
  });
}

/** Adam (torch defaults: betas 0.9, 0.999, eps 1e-8) over a fixed list of variables. */
class ListAdam {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;
  constructor(private readonly params: tf.Variable[]) {
    // Inside tidy so the zero tensors the variables were made from are released.
    this.m = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    this.v = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }
  step(grads: tf.NamedTensorMap, lr: number): void {
    this.t++;
    const c1 = 1 - 0.9 ** this.t, c2 = 1 - 0.999 ** this.t;
    tf.tidy(() => this.params.forEach((p, i) => {
      const g = grads[p.name];
      if (!g) return;
      this.m[i].assign(tf.add(tf.mul(this.m[i], 0.9), tf.mul(g, 0.1)));
      this.v[i].assign(tf.add(tf.mul(this.v[i], 0.999), tf.mul(tf.square(g), 0.001)));
      p.assign(tf.sub(p, tf.mul(tf.div(this.m[i], tf.add(tf.sqrt(tf.div(this.v[i], c2)), 1e-8)), lr / c1)));
    }));
  }
  dispose(): void {
    [...this.m, ...this.v].forEach((t) => t.dispose());
  }
}

/**
 * Projects target [1, R, R, C] in [-1, 1], through `dist` (built for the same target). Like
 * projector.py, the generator's stored noise maps are what gets optimised (synthesis in noise
 * mode 'const'), starting from their own values unless noiseInit is 'random'; they are put
 * back as they were before returning.
 */
export async function project(G: GeneratorLike, dist: ImageDistance, opts: ProjectOptions = {}): Promise<ProjectResult> {
  const o = {
    numSteps: 1000, seed: 303, noiseInit: 'generator' as 'generator' | 'random', wPlus: false, wAvgSamples: 10000, initialLearningRate: 0.1, initialNoiseFactor: 0.05,
    lrRampdownLength: 0.25, lrRampupLength: 0.05, noiseRampLength: 0.75, regularizeNoiseWeight: dist.regularizeNoiseWeight ?? 1e5, ...opts,
  };
  if (!Number.isInteger(o.numSteps) || o.numSteps < 1) throw new Error(`projection: numSteps must be a positive integer, got ${o.numSteps}`);
  if (o.noiseInit !== 'generator' && o.noiseInit !== 'random') throw new Error(`projection: noiseInit must be 'generator' or 'random', got '${o.noiseInit}'`);
  if (!hasStore(G)) throw new Error('projection: this generator does not expose its noise maps');
  const { wAvg, wStd } = await wStats(G, o.wAvgSamples, o.classIdx);
  const numWs = G.numWs, wDim = G.cfg.wDim;
  const styles = o.wPlus ? numWs : 1;
  const bufs = noiseBuffers(G);
  const saved = bufs.map((b) => ({ v: b.variable, value: tf.clone(b.variable), trainable: b.variable.trainable }));
  const noise = bufs.map((b) => b.variable);
  const wOpt = tf.tidy(() => tf.variable(tf.tile(tf.tensor3d(wAvg, [1, 1, wDim]), [1, styles, 1]), true));
  const adam = new ListAdam([wOpt, ...noise]);
  const synth = (w: tf.Tensor3D): tf.Tensor4D =>
    G.synthesis.forward(styles === numWs ? w : (tf.tile(w, [1, numWs, 1]) as tf.Tensor3D), { noiseMode: 'const' });
  const maps = (): tf.Tensor4D[] => bufs.map((b) => tf.reshape(b.variable, [1, b.res, b.res, 1]) as tf.Tensor4D);
  const every = o.progressFrames ? Math.max(1, o.numSteps / o.progressFrames) : Infinity;
  const progress: ProjectResult['progress'] = [];
  let nextCapture = every;
  try {
    bufs.forEach((b, i) => {
      if (o.noiseInit === 'random') tf.tidy(() => b.variable.assign(tf.randomNormal(b.variable.shape, 0, 1, 'float32', o.seed * 1000 + i)));
      // Buffers are not trainable; tf.variableGrads only differentiates trainable variables.
      b.variable.trainable = true;
    });
    for (let step = 0; step < o.numSteps; step++) {
      const t = step / o.numSteps;
      const wNoiseScale = wStd * o.initialNoiseFactor * Math.max(0, 1 - t / o.noiseRampLength) ** 2;
      const lr = projectionLr(t, o);
      const wNoise = tf.randomNormal(wOpt.shape, 0, 1, 'float32', o.seed * 7919 + step + 1);
      let dv: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        // Kept and read with data() after the step: webgpu in Node has no synchronous reads.
        dv = tf.keep(dist.distance(synth(tf.add(wOpt, tf.mul(wNoise, wNoiseScale)) as tf.Tensor3D)));
        const reg = bufs.length ? tf.mul(noiseRegularization(maps()), o.regularizeNoiseWeight) : tf.scalar(0);
        return tf.add(dv, reg) as tf.Scalar;
      }, [wOpt, ...noise]);
      adam.step(grads, lr);
      const [l, d] = [(await value.data())[0], (await dv!.data())[0]];
      value.dispose();
      dv!.dispose();
      wNoise.dispose();
      Object.values(grads).forEach((g) => g.dispose());
      // Keep the noise maps exactly zero-mean, unit-variance, as projector.py does after each step.
      tf.tidy(() => noise.forEach((n) => {
        const c = tf.sub(n, tf.mean(n));
        n.assign(tf.mul(c, tf.rsqrt(tf.mean(tf.square(c)))));
      }));
      o.onStep?.({ step: step + 1, numSteps: o.numSteps, dist: d, loss: l });
      if (step + 1 >= nextCapture - 1e-9 && o.progressFrames) {
        const img = tf.tidy(() => synth(wOpt as tf.Tensor3D));
        progress.push({ step: step + 1, image: (await img.data()) as Float32Array });
        img.dispose();
        nextCapture += every;
      }
    }
    const img = tf.tidy(() => synth(wOpt as tf.Tensor3D));
    const dt = tf.tidy(() => dist.distance(img));
    const distance = (await dt.data())[0];
    dt.dispose();
    const image = (await img.data()) as Float32Array;
    img.dispose();
    const wFull = tf.tidy(() => (styles === numWs ? tf.clone(wOpt) : tf.tile(wOpt, [1, numWs, 1])));
    const w = (await wFull.data()) as Float32Array;
    wFull.dispose();
    const noiseOut = await Promise.all(noise.map(async (n) => (await n.data()) as Float32Array));
    return { w, wShape: [1, numWs, wDim], image, noise: noiseOut, distance, progress };
  } finally {
    adam.dispose();
    wOpt.dispose();
    for (const s of saved) {
      s.v.assign(s.value);
      s.v.trainable = s.trainable;
      s.value.dispose();
    }
  }
}

/** PSNR in dB of uint8 images (peak 255); Infinity when identical. */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`psnr: sizes ${a.length} and ${b.length} differ`);
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  const mse = se / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}
