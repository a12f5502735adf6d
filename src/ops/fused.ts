/**
 * Fused kernels that a backend may provide (the Node 'native' backend does in C++, webgpu as WGSL
 * for bias_act, upfirdn2d, filtered_lrelu and Adam: backend/webgpu-kernels.ts): NVIDIA's bias_act and upfirdn2d as
 * single kernels, and the Adam update. Callers check `hasFusedKernel` and fall back to the
 * composite tfjs ops elsewhere (wasm, WebGL), which give the same values.
 *
 * Gradients are registered here (browser-safe, pure tfjs) and are again these kernels, so
 * gradients of gradients (R1, path length) flow: bias_act's input gradient is linear in dy with a
 * mask that is constant almost everywhere, and upfirdn2d's gradient is another upfirdn2d.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

export const FUSED = {
  /** y = clamp(act(x + b) * gain); inputs {x, b}, attrs {alpha, gain, clamp}; alpha 1 = linear, clamp < 0 = none. */
  biasAct: 'SgnBiasAct',
  /** The same without a bias; inputs {x}. */
  act: 'SgnAct',
  /** dx of biasAct; inputs {dy, x, b}. */
  biasActGrad: 'SgnBiasActGrad',
  /** dx of act; inputs {dy, x}. */
  actGrad: 'SgnActGrad',
  /** inputs {x}, attrs {up, down, pad: [x0, x1, y0, y1], k: number[] (correlation, row-major), kh, kw}. */
  upfirdn2d: 'SgnUpFirDn2d',
  /** inputs {p, m, v, g}, attrs {lr, beta1, beta2, c1, c2, eps, clip}; outputs [p, m, v]. */
  adam: 'SgnAdam',
  /** StyleGAN3's filtered_lrelu; inputs {x, b}, attrs FilteredLreluAttrs (ops/filtered-lrelu.ts). */
  filteredLrelu: 'SgnFilteredLrelu',
  /** dx of filteredLrelu; inputs {dy, x, b}, the same attrs. */
  filteredLreluGrad: 'SgnFilteredLreluGrad',
  /** ADA's geometric stage on NHWC images; inputs {x}, attrs AugmentGeomAttrs. */
  augmentGeom: 'SgnAugmentGeom',
  /** Its transpose (its gradient; the stage is linear); inputs {dy}, the same attrs. */
  augmentGeomT: 'SgnAugmentGeomT',
} as const;

/** Whether the active backend runs `name` as one kernel. */
export function hasFusedKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

export interface BiasActAttrs {
  alpha: number;
  gain: number;
  /** < 0: no clamp. */
  clamp: number;
}

/** The fused bias + (leaky) ReLU + gain + clamp; b is [C] along the last axis or null. */
export function fusedBiasAct<T extends Tensor>(x: T, b: Tensor | null, attrs: BiasActAttrs): T {
  const a = attrs as unknown as NamedAttrMap;
  return (b ? tf.engine().runKernel(FUSED.biasAct, { x, b }, a) : tf.engine().runKernel(FUSED.act, { x }, a)) as T;
}

/**
 * ADA's geometric stage (training/augment/geometric.ts): per-axis pad + upsample matrices upX
 * [iw2, w], upY [ih2, h], bilinear sampling of the [ih2, iw2] image at theta [N, 6] (affine_grid,
 * normalised, align_corners=False) to [oh2, ow2], downsample matrices downX [w, ow2], downY [h, oh2].
 */
export interface AugmentGeomAttrs {
  theta: Float64Array;
  upX: Float32Array; upY: Float32Array; downX: Float32Array; downY: Float32Array;
  /** [ih2, iw2, oh2, ow2] */
  dims: number[];
  /**
   * Images to pass unchanged (1), those without a transform: the native kernel skips them (and
   * so does its transpose, the identity's); other backends resample them (float rounding apart).
   */
  pass?: Uint8Array;
}

export interface UpFirDnAttrs {
  up: number;
  down: number;
  /** [x0, x1, y0, y1] of the upsampled image; negative crops. */
  pad: [number, number, number, number];
  /** Correlation kernel [kh, kw], row-major. */
  k: number[];
  kh: number;
  kw: number;
}

/** Output size of upfirdn2d along one axis. */
export const upfirdnSize = (n: number, up: number, p0: number, p1: number, k: number, down: number) =>
  Math.floor((n * up + p0 + p1 - k) / down) + 1;

export function fusedUpFirDn2d(x: tf.Tensor4D, attrs: UpFirDnAttrs): tf.Tensor4D {
  return tf.engine().runKernel(FUSED.upfirdn2d, { x }, attrs as unknown as NamedAttrMap) as tf.Tensor4D;
}

/**
 * The gradient of upfirdn2d: upfirdn2d of dy with up and down swapped, the kernel flipped and
 * the padding that maps each input pixel onto the outputs it fed (NVIDIA's Upfirdn2d backward).
 */
export function upFirDnGradAttrs(a: UpFirDnAttrs, inH: number, inW: number, outH: number, outW: number): UpFirDnAttrs {
  const [x0, , y0] = a.pad;
  return {
    up: a.down, down: a.up, kh: a.kh, kw: a.kw, k: a.k.slice().reverse(),
    pad: [a.kw - x0 - 1, inW * a.up - outW * a.down + x0 - a.up + 1, a.kh - y0 - 1, inH * a.up - outH * a.down + y0 - a.up + 1],
  };
}

let registered = false;
/** Registers the fused kernels' gradients (idempotent; backends that run them call this). */
export function registerFusedGradients(): void {
  if (registered) return;
  registered = true;
  const lastAxisSum = (dx: Tensor) => tf.sum(dx, [...Array(dx.rank - 1).keys()]);
  tf.registerGradient({
    kernelName: FUSED.biasAct, inputsToSave: ['x', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [x, b] = saved;
      const dx = () => tf.engine().runKernel(FUSED.biasActGrad, { dy: dy as Tensor, x, b }, attrs) as Tensor;
      return { x: dx, b: () => lastAxisSum(dx()) };
    },
  });
  tf.registerGradient({
    kernelName: FUSED.act, inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({ x: () => tf.engine().runKernel(FUSED.actGrad, { dy: dy as Tensor, x }, attrs) as Tensor }),
  });
  // dx = dy * mask(x + b): linear in dy; the mask's own derivative is zero wherever it exists.
  tf.registerGradient({
    kernelName: FUSED.biasActGrad, inputsToSave: ['x', 'b'],
    gradFunc: (ddx, [x, b], attrs) => ({
      dy: () => tf.engine().runKernel(FUSED.biasActGrad, { dy: ddx as Tensor, x, b }, attrs) as Tensor,
      x: () => tf.zerosLike(x), b: () => tf.zerosLike(b),
    }),
  });
  tf.registerGradient({
    kernelName: FUSED.actGrad, inputsToSave: ['x'],
    gradFunc: (ddx, [x], attrs) => ({
      dy: () => tf.engine().runKernel(FUSED.actGrad, { dy: ddx as Tensor, x }, attrs) as Tensor,
      x: () => tf.zerosLike(x),
    }),
  });
  // The filters are constants (attributes); db is the sum of dx, as b is added first. No gradient
  // of the gradient kernel: StyleGAN3's discriminator (R1's second derivative) does not use it.
  // ADA's geometric stage is linear in the image: each direction's gradient is the other.
  tf.registerGradient({
    kernelName: FUSED.augmentGeom, inputsToSave: [],
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.engine().runKernel(FUSED.augmentGeomT, { dy: dy as Tensor }, attrs) as Tensor }),
  });
  tf.registerGradient({
    kernelName: FUSED.augmentGeomT, inputsToSave: [],
    gradFunc: (ddx, _saved, attrs) => ({ dy: () => tf.engine().runKernel(FUSED.augmentGeom, { x: ddx as Tensor }, attrs) as Tensor }),
  });
  tf.registerGradient({
    kernelName: FUSED.filteredLrelu, inputsToSave: ['x', 'b'],
    gradFunc: (dy, [x, b], attrs) => {
      // One kernel call for both: tfjs asks for x's gradient before b's (input order, each in its
      // own tidy), so x's tidy returns dx and b's sums it; b alone computes and frees its own.
      let dx: Tensor | undefined;
      const get = () => (dx ??= tf.engine().runKernel(FUSED.filteredLreluGrad, { dy: dy as Tensor, x, b }, attrs) as Tensor);
      return { x: get, b: () => tf.sum(get(), [0, 1, 2]) };
    },
  });
  tf.registerGradient({
    kernelName: FUSED.upfirdn2d, inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const d = dy as tf.Tensor4D;
        return fusedUpFirDn2d(d, upFirDnGradAttrs(attrs as unknown as UpFirDnAttrs, x.shape[1]!, x.shape[2]!, d.shape[1], d.shape[2]));
      },
    }),
  });
}
