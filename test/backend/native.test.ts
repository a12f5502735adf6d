import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initNodeBackend } from '../../src/backend/node.js';
import { registerNativeBackend, NATIVE_KERNELS } from '../../src/backend/native.js';
import { loadNativeAddon, openblasCoreFor } from '../../src/backend/native-addon.js';

// Every native kernel against the tfjs cpu kernel it replaces: same inputs, relative 1e-4.
// Nothing is skipped: CI installs OpenBLAS and builds the addon, so a missing addon is a failure.

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type S4 = [number, number, number, number];

const fill = (n: number, f: number, p = 0) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f + p));
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

async function onBoth(run: () => tf.Tensor | tf.Tensor[]): Promise<{ ref: Float32Array[]; got: Float32Array[] }> {
  const out: Float32Array[][] = [];
  for (const b of ['cpu', 'native']) {
    await tf.setBackend(b);
    out.push(tf.tidy(() => {
      const r = run();
      return (Array.isArray(r) ? r : [r]).map((t) => t.dataSync() as Float32Array);
    }));
  }
  return { ref: out[0], got: out[1] };
}

function close(got: Float32Array[], ref: Float32Array[], what: string) {
  assert.equal(got.length, ref.length, what);
  for (let j = 0; j < ref.length; j++) {
    assert.equal(got[j].length, ref[j].length, `${what} output ${j} length`);
    let scale = 0;
    for (const v of ref[j]) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < ref[j].length; i++) {
      // Relative to the output's magnitude: sums of many terms cancel (a filter gradient sums
      // over every pixel, in float32 here and in float64 on cpu), so a per-element relative
      // bound would be meaningless near zero.
      const tol = 1e-4 * Math.max(Math.abs(ref[j][i]), scale * 5e-2, 1e-6);
      if (Math.abs(got[j][i] - ref[j][i]) > tol) assert.fail(`${what} output ${j} [${i}]: ${got[j][i]} vs ${ref[j][i]}`);
    }
  }
}

test('the addon is built and the native backend is registered', async () => {
  assert.equal(registerNativeBackend(), '', 'native addon missing: run npm install (needs libopenblas-dev)');
  assert.equal(await initNodeBackend('native', true), 'native');
  assert.ok(NATIVE_KERNELS.has('Conv2D') && NATIVE_KERNELS.has('Multiply'));
  // Kernels the addon does not replace are the cpu backend's own (wrapped for the buffer pool).
  assert.ok(!NATIVE_KERNELS.has('Cast') && tf.getKernel('Cast', 'native'));
});

test('OpenBLAS gets its AVX-512 / AVX2 kernels from the CPU flags (its own detection misses newer Xeons)', () => {
  const info = (flags: string) => `processor\t: 0\nmodel\t\t: 207\nflags\t\t: ${flags}\n`;
  assert.equal(openblasCoreFor(info('fpu sse avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_fp16')), 'SkylakeX');
  assert.equal(openblasCoreFor(info('fpu sse avx avx2 fma avx512f')), 'Haswell');  // partial AVX-512 (Xeon Phi)
  assert.equal(openblasCoreFor(info('fpu sse sse2 avx')), undefined);
  assert.equal(openblasCoreFor(''), undefined);
  // On this machine the library runs the kernels we asked for (or the user's OPENBLAS_CORETYPE).
  const { addon } = loadNativeAddon();
  const want = process.env.OPENBLAS_CORETYPE;
  if (addon && want) assert.equal(addon.blasCore().toLowerCase(), want.toLowerCase());
});

const convCases: Array<{ xs: S4; fs: S4; s: number | [number, number]; pad: Pad; d?: number }> = [
  { xs: [1, 5, 5, 1], fs: [3, 3, 1, 1], s: 1, pad: 'same' },
  { xs: [1, 7, 6, 3], fs: [3, 3, 3, 5], s: 1, pad: 'valid' },
  { xs: [2, 8, 8, 3], fs: [3, 3, 3, 4], s: 2, pad: 'same' },
  { xs: [3, 9, 7, 2], fs: [4, 4, 2, 3], s: 2, pad: 1 },
  { xs: [2, 11, 9, 5], fs: [3, 2, 5, 7], s: [2, 1], pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { xs: [1, 6, 6, 4], fs: [1, 1, 4, 6], s: 1, pad: 'valid' },
  { xs: [2, 5, 5, 6], fs: [1, 1, 6, 3], s: 2, pad: 'same' },
  { xs: [1, 9, 9, 2], fs: [3, 3, 2, 3], s: 1, pad: 'same', d: 2 },
  { xs: [2, 16, 16, 33], fs: [3, 3, 33, 65], s: 1, pad: 'same' }, // big enough to run on both threads
  { xs: [1, 17, 17, 16], fs: [4, 4, 16, 8], s: 2, pad: 'same' },
  // Output channels in multiples of 32 take the direct (register-blocked) kernel, and so does the
  // stride-1 input gradient when the input channels are: row tails, odd taps, explicit pads.
  { xs: [2, 7, 13, 5], fs: [3, 3, 5, 32], s: 1, pad: 'same' },
  { xs: [1, 9, 26, 3], fs: [3, 2, 3, 64], s: 1, pad: 'valid' },
  { xs: [3, 5, 5, 8], fs: [3, 3, 8, 32], s: 1, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { xs: [2, 6, 14, 32], fs: [3, 3, 32, 32], s: 1, pad: 'same' },
  { xs: [1, 4, 25, 64], fs: [3, 3, 64, 96], s: 1, pad: 'same' },
  { xs: [2, 13, 27, 6], fs: [3, 3, 6, 32], s: 2, pad: 'valid' },
  { xs: [4, 16, 16, 26], fs: [3, 3, 26, 32], s: 1, pad: 'same' },  // filter gradient over 2 pixel slices
  { xs: [3, 33, 31, 7], fs: [3, 3, 7, 64], s: 2, pad: 'same' },
  { xs: [1, 10, 9, 4], fs: [4, 4, 4, 64], s: [2, 1], pad: 'same' },
  // Direct filter gradient up to 256 input channels (tails of the 12-channel tile), im2col above.
  { xs: [2, 5, 6, 100], fs: [3, 3, 100, 32], s: 1, pad: 'same' },
  { xs: [1, 3, 4, 260], fs: [3, 3, 260, 32], s: 1, pad: 'same' },
  // Input gradient split into output phases (input channels in multiples of 32): strides 2 and
  // [2, 1], odd sizes, 4x4 taps, and a 1x1 stride-2 conv whose odd phases get no tap (zeros).
  { xs: [2, 9, 11, 32], fs: [3, 3, 32, 32], s: 2, pad: 'same' },
  { xs: [1, 10, 7, 64], fs: [4, 4, 64, 16], s: 2, pad: 1 },
  { xs: [3, 5, 6, 32], fs: [3, 2, 32, 8], s: [2, 1], pad: 'valid' },
  { xs: [2, 7, 8, 32], fs: [1, 1, 32, 5], s: 2, pad: 'valid' },
];

test('Conv2D, its input and filter gradients match cpu (odd shapes, strides, paddings, dilation)', async () => {
  await initNodeBackend('native', true);
  for (const c of convCases) {
    const name = `x=[${c.xs}] f=[${c.fs}] s=${c.s} pad=${JSON.stringify(c.pad)} d=${c.d ?? 1}`;
    const xv = fill(size(c.xs), 1.3), wv = fill(size(c.fs), 0.7, 1);
    const conv = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.conv2d(x, w, c.s, c.pad, 'NHWC', c.d ?? 1);
    const outShape = tf.backend_util.computeConv2DInfo(c.xs, c.fs, c.s, c.d ?? 1, c.pad as 'same').outShape;
    const dyv = fill(size(outShape), 0.37, 2);
    const { ref, got } = await onBoth(() => {
      const x = tf.tensor4d(xv, c.xs), w = tf.tensor4d(wv, c.fs), dy = tf.tensor4d(dyv, outShape);
      // Gradients go through Conv2DBackpropInput / Conv2DBackpropFilter (only when dilation is 1).
      const grads = (c.d ?? 1) === 1 ? tf.grads((a: tf.Tensor, b: tf.Tensor) => conv(a as tf.Tensor4D, b as tf.Tensor4D))([x, w], dy) : [];
      return [conv(x, w), ...grads];
    });
    close(got, ref, name);
  }
});

test('conv2dTranspose (strided Conv2DBackpropInput) matches cpu', async () => {
  await initNodeBackend('native', true);
  const cases: Array<{ xs: S4; fs: S4; out: S4; s: number; pad: 'same' | 'valid' }> = [
    { xs: [1, 4, 4, 8], fs: [4, 4, 5, 8], out: [1, 8, 8, 5], s: 2, pad: 'same' },
    { xs: [2, 3, 5, 3], fs: [3, 3, 2, 3], out: [2, 7, 11, 2], s: 2, pad: 'valid' },
    // StyleGAN2's upsampling conv: 3x3 transposed, stride 2, no padding, 32-channel outputs.
    { xs: [2, 4, 4, 64], fs: [3, 3, 32, 64], out: [2, 9, 9, 32], s: 2, pad: 'valid' },
  ];
  for (const c of cases) {
    const xv = fill(size(c.xs), 0.9), wv = fill(size(c.fs), 0.4, 1);
    const { ref, got } = await onBoth(() => tf.conv2dTranspose(tf.tensor4d(xv, c.xs), tf.tensor4d(wv, c.fs), c.out, c.s, c.pad));
    close(got, ref, `transpose x=[${c.xs}] f=[${c.fs}]`);
  }
});

test('depthwise conv and its gradients match cpu', async () => {
  await initNodeBackend('native', true);
  const cases: Array<{ xs: S4; fs: S4; s: number; pad: Pad }> = [
    { xs: [1, 5, 5, 1], fs: [3, 3, 1, 1], s: 1, pad: 'valid' },
    { xs: [2, 9, 7, 3], fs: [3, 3, 3, 1], s: 1, pad: 'same' },
    { xs: [2, 8, 8, 4], fs: [3, 3, 4, 2], s: 2, pad: 'same' },
    { xs: [1, 10, 9, 3], fs: [4, 2, 3, 3], s: 2, pad: 1 },
    { xs: [3, 18, 18, 40], fs: [3, 3, 40, 1], s: 1, pad: 'valid' },
  ];
  for (const c of cases) {
    const name = `depthwise x=[${c.xs}] f=[${c.fs}] s=${c.s} pad=${c.pad}`;
    const outShape = tf.backend_util.computeConv2DInfo(c.xs, c.fs, c.s, 1, c.pad as 'same', undefined, true).outShape;
    const xv = fill(size(c.xs), 1.1), wv = fill(size(c.fs), 0.5, 1), dyv = fill(size(outShape), 0.3, 2);
    const { ref, got } = await onBoth(() => {
      const x = tf.tensor4d(xv, c.xs), w = tf.tensor4d(wv, c.fs), dy = tf.tensor4d(dyv, outShape);
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad as 'same');
      return [f(x, w), ...tf.grads(f)([x, w], dy)];
    });
    close(got, ref, name);
  }
});

test('matMul (transposes, batches, broadcasting), its gradients and fused matMul/conv match cpu', async () => {
  await initNodeBackend('native', true);
  const cases: Array<{ as: number[]; bs: number[]; ta: boolean; tb: boolean }> = [
    { as: [1, 1], bs: [1, 1], ta: false, tb: false },
    { as: [3, 5], bs: [5, 7], ta: false, tb: false },
    { as: [5, 3], bs: [5, 7], ta: true, tb: false },
    { as: [3, 5], bs: [7, 5], ta: false, tb: true },
    { as: [5, 3], bs: [7, 5], ta: true, tb: true },
    { as: [4, 3, 5], bs: [4, 5, 2], ta: false, tb: false },
    { as: [2, 3, 6, 5], bs: [1, 1, 5, 4], ta: false, tb: false },
    { as: [1, 6, 5], bs: [3, 4, 6], ta: true, tb: true },
    { as: [200, 129], bs: [129, 67], ta: false, tb: false },
    { as: [129, 200], bs: [67, 129], ta: true, tb: true },
  ];
  for (const c of cases) {
    const av = fill(size(c.as), 0.77), bv = fill(size(c.bs), 0.31, 1);
    const { ref, got } = await onBoth(() => {
      const a = tf.tensor(av, c.as), b = tf.tensor(bv, c.bs);
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, c.ta, c.tb);
      const y = f(a, b);
      // tfjs' BatchMatMul gradient does not reduce broadcast batch dims (on any backend).
      const broadcast = c.as.length > 2 && c.as.slice(0, -2).join() !== c.bs.slice(0, -2).join();
      return broadcast ? [y] : [y, ...tf.grads(f)([a, b], tf.onesLike(y))];
    });
    close(got, ref, `matMul a=[${c.as}] b=[${c.bs}] ta=${c.ta} tb=${c.tb}`);
  }
  const { ref, got } = await onBoth(() => {
    const a = tf.tensor2d(fill(15, 0.2), [3, 5]), b = tf.tensor2d(fill(20, 0.3), [5, 4]), bias = tf.tensor1d(fill(4, 0.5));
    const x = tf.tensor4d(fill(2 * 6 * 6 * 3, 0.4), [2, 6, 6, 3]), w = tf.tensor4d(fill(3 * 3 * 3 * 4, 0.6), [3, 3, 3, 4]);
    return [
      tf.fused.matMul({ a, b, bias, activation: 'relu' }),
      tf.fused.matMul({ a, b, transposeB: false, activation: 'leakyrelu', leakyreluAlpha: 0.2 }),
      tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', bias, activation: 'elu' }),
      tf.fused.depthwiseConv2d({ x, filter: tf.tensor4d(fill(27, 0.8), [3, 3, 3, 1]), strides: 1, pad: 'valid', bias: tf.tensor1d([0.1, -0.2, 0.3]), activation: 'sigmoid' }),
    ];
  });
  close(got, ref, 'fused ops');
});

test('element-wise, reduction and data-movement kernels match cpu (broadcasts, odd shapes, axes)', async () => {
  await initNodeBackend('native', true);
  const t = (shape: number[], f: number, p = 0) => tf.tensor(fill(size(shape), f, p), shape);
  const { ref, got } = await onBoth(() => {
    const a = t([2, 3, 5, 4], 0.9), b = t([3, 1, 4], 0.4, 1), c = t([2, 1, 1, 4], 0.2, 2), s = tf.scalar(0.7);
    const pos = tf.add(tf.abs(a), 0.5);
    return [
      tf.add(a, b), tf.sub(c, a), tf.mul(a, s), tf.div(a, tf.add(tf.abs(b), 1)), tf.maximum(a, c), tf.minimum(b, a),
      tf.squaredDifference(a, c), tf.mul(t([1, 5, 1], 0.3), t([7, 1, 3], 0.5)), tf.add(t([6], 0.1), t([4, 6], 0.2)),
      tf.abs(a), tf.square(a), tf.sqrt(pos), tf.rsqrt(pos), tf.neg(a), tf.exp(a), tf.log(pos), tf.relu(a),
      tf.leakyRelu(a, 0.2), tf.sigmoid(a), tf.softplus(tf.mul(a, 20)), tf.tanh(a), tf.reciprocal(pos), tf.step(a, 0.3),
      tf.sin(tf.mul(a, 37)), tf.cos(tf.mul(a, 37)), tf.sin(a),
      tf.sum(a), tf.sum(a, 0), tf.sum(a, [1, 2], true), tf.mean(a, [1, 2]), tf.mean(a, 3, true), tf.mean(a, [0, 2]),
      tf.max(a, 1), tf.min(a, [0, 3]), tf.sum(t([1, 1, 7], 0.3), 2),
      tf.slice(a, [1, 1, 2, 1], [1, 2, 3, 2]), tf.slice(a, [0, 1], [-1, 1]), ...tf.split(a, [1, 3, 1], 2), ...tf.split(a, 2, 3),
      tf.tile(b, [2, 1, 3]), tf.tile(t([2, 3], 0.8), [3, 2]), tf.transpose(a, [3, 1, 0, 2]), tf.transpose(t([5, 7], 0.6)),
      tf.pad(a, [[0, 1], [2, 0], [1, 1], [0, 0]]), tf.pad(t([3, 4], 0.5), [[1, 2], [3, 0]], 1.5),
      tf.concat([a, a, t([2, 3, 5, 2], 0.7)], 3), tf.concat([t([1, 4], 0.3), t([2, 4], 0.4)], 0), tf.concat([b, b], 1),
    ];
  });
  close(got, ref, 'element-wise');
});

test('big element-wise ops (split over threads) match cpu', async () => {
  await initNodeBackend('native', true);
  const a = fill(8 * 32 * 32 * 64, 0.91), b = fill(8 * 64, 0.3);
  const { ref, got } = await onBoth(() => {
    const x = tf.tensor4d(a, [8, 32, 32, 64]), y = tf.tensor4d(b, [8, 1, 1, 64]);
    return [tf.mul(x, y), tf.add(x, 1), tf.mean(x, [1, 2], true), tf.sum(x, [0, 1, 2]), tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), tf.abs(x),
      tf.sum(x), tf.sum(x, 3), tf.mean(x, [1, 2, 3]), tf.div(x, tf.scalar(3, 'int32')), tf.sin(tf.mul(x, 50)), tf.cos(x)];
  });
  close(got, ref, 'big element-wise');
});
