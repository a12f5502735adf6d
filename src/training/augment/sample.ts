/**
 * Bilinear sampling with zero padding (torch's grid_sample, align_corners=False) as a sparse
 * linear map: each output pixel of image n is a weighted sum of 4 input pixels of image n,
 * the same for every channel. The weights come from the (non-differentiable) grid, so the op is
 * linear in the image: its gradient is the transposed map, whose gradient is the map again, and
 * gradients of gradients (R1 through the augmentation) follow.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Where each output pixel samples: `idx` and `w` [N, outH * outW, 4] (pixel indices within the image). */
export interface SamplePlan {
  batch: number;
  inH: number; inW: number;
  outH: number; outW: number;
  idx: Int32Array;
  w: Float32Array;
}

/**
 * The plan for grid_sample(images [N, C, inH, inW], affine_grid(theta [N, 2, 3], [outH, outW])):
 * output pixel (i, j) has normalised position ((2j + 1) / outW - 1, (2i + 1) / outH - 1); theta
 * maps it to normalised input coordinates, unnormalised as ((g + 1) * size - 1) / 2.
 */
export function affineSamplePlan(theta: Float64Array, batch: number, inH: number, inW: number, outH: number, outW: number): SamplePlan {
  const m = outH * outW;
  const idx = new Int32Array(batch * m * 4), w = new Float32Array(batch * m * 4);
  for (let n = 0; n < batch; n++) {
    const t = theta.subarray(n * 6, n * 6 + 6);
    for (let i = 0; i < outH; i++) {
      const y = Math.fround((2 * i + 1) / outH - 1);
      for (let j = 0; j < outW; j++) {
        const x = Math.fround((2 * j + 1) / outW - 1);
        const gx = t[0] * x + t[1] * y + t[2], gy = t[3] * x + t[4] * y + t[5];
        const ix = ((gx + 1) * inW - 1) / 2, iy = ((gy + 1) * inH - 1) / 2;
        const x0 = Math.floor(ix), y0 = Math.floor(iy), fx = ix - x0, fy = iy - y0;
        const o = (n * m + i * outW + j) * 4;
        const xIn0 = x0 >= 0 && x0 < inW, xIn1 = x0 + 1 >= 0 && x0 + 1 < inW, yIn0 = y0 >= 0 && y0 < inH, yIn1 = y0 + 1 >= 0 && y0 + 1 < inH;
        // Corners (y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1); outside ones weigh 0.
        if (yIn0 && xIn0) { idx[o] = y0 * inW + x0; w[o] = (1 - fy) * (1 - fx); }
        if (yIn0 && xIn1) { idx[o + 1] = y0 * inW + x0 + 1; w[o + 1] = (1 - fy) * fx; }
        if (yIn1 && xIn0) { idx[o + 2] = (y0 + 1) * inW + x0; w[o + 2] = fy * (1 - fx); }
        if (yIn1 && xIn1) { idx[o + 3] = (y0 + 1) * inW + x0 + 1; w[o + 3] = fy * fx; }
      }
    }
  }
  return { batch, inH, inW, outH, outW, idx, w };
}

/**
 * out [N, C, outH * outW] = the plan applied to x [N, C, inH * inW], or with `transpose` the
 * transposed map: out [N, C, inH * inW] from x [N, C, outH * outW] (plain loops on the CPU).
 */
function applyPlan(x: Float32Array, c: number, p: SamplePlan, transpose: boolean): Float32Array {
  const m = p.outH * p.outW, a = p.inH * p.inW, [xs, ys] = transpose ? [m, a] : [a, m];
  const out = new Float32Array(p.batch * c * ys);
  for (let n = 0; n < p.batch; n++) for (let ch = 0; ch < c; ch++) {
    const src = (n * c + ch) * xs, dst = (n * c + ch) * ys;
    for (let j = 0, o = n * m * 4; j < m; j++, o += 4) {
      if (transpose) {
        const g = x[src + j];
        for (let k = 0; k < 4; k++) out[dst + p.idx[o + k]] += p.w[o + k] * g;
      } else {
        out[dst + j] = p.w[o] * x[src + p.idx[o]] + p.w[o + 1] * x[src + p.idx[o + 1]] + p.w[o + 2] * x[src + p.idx[o + 2]] + p.w[o + 3] * x[src + p.idx[o + 3]];
      }
    }
  }
  return out;
}

/** The sampling (or with `transpose` its transpose) as a differentiable op: each direction's gradient is the other. */
function sampleOp(x: tf.Tensor4D, p: SamplePlan, transpose: boolean): tf.Tensor4D {
  const c = x.shape[1];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xi = args[0] as tf.Tensor4D;
    const shape: [number, number, number, number] = transpose ? [p.batch, c, p.inH, p.inW] : [p.batch, c, p.outH, p.outW];
    return {
      value: tf.tensor4d(applyPlan(xi.dataSync() as Float32Array, c, p, transpose), shape),
      gradFunc: (dy: tf.Tensor) => sampleOp(dy as tf.Tensor4D, p, !transpose),
    };
  });
  return op(x) as tf.Tensor4D;
}

/** Samples x [N, C, inH, inW] (planar) by the plan -> [N, C, outH, outW]. */
export function bilinearSample(x: tf.Tensor4D, p: SamplePlan): tf.Tensor4D {
  return sampleOp(x, p, false);
}

/** The transposed sampling (the gradient of {@link bilinearSample}). */
export function bilinearSampleT(dy: tf.Tensor4D, p: SamplePlan): tf.Tensor4D {
  return sampleOp(dy, p, true);
}

/** The same sampling from stock tfjs ops (gather + weights; slower), for cross-checks and backends without dataSync. */
export function bilinearSampleComposite(x: tf.Tensor4D, p: SamplePlan): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, c] = x.shape, m = p.outH * p.outW, a = p.inH * p.inW;
    // Global indices into x flattened to [N * C * inH * inW], per corner: [N, C, m].
    const flat = tf.reshape(x, [n * c * a]);
    let out: tf.Tensor | null = null;
    for (let k = 0; k < 4; k++) {
      const gi = new Int32Array(n * c * m), gw = new Float32Array(n * c * m);
      for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let j = 0; j < m; j++) {
        const o = (b * m + j) * 4 + k, t = (b * c + ch) * m + j;
        gi[t] = (b * c + ch) * a + p.idx[o];
        gw[t] = p.w[o];
      }
      const term = tf.mul(tf.gather(flat, tf.tensor1d(gi, 'int32')), tf.tensor1d(gw));
      out = out ? tf.add(out, term) : term;
    }
    return tf.reshape(out!, [n, c, p.outH, p.outW]);
  });
}
