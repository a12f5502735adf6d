/**
 * Bench rows for StyleGAN3's filtered_lrelu: the backend's fused kernel against the composite tfjs
 * ops (the same values) on the same backend, forward and forward + backward (dx and db), at the
 * shapes StyleGAN3 layers have: input = conv output (size + 2 for T's 3x3 convs), up 2 (up 4 where
 * the sampling rate doubles), down 2, 12- and 24-tap filters, R's 12x12 radial down filter.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED, hasFusedKernel } from '../ops/fused.js';
import { filteredLrelu, filteredLreluComposite, type FilteredLreluOptions, type FirFilter } from '../ops/filtered-lrelu.js';
import { timeIt } from './timing.js';

export interface FilteredLreluRow {
  /** What the case stands for, e.g. 'T 36 px'. */
  layer: string;
  x: number[];
  y: number[];
  up: number;
  down: number;
  /** Filter shapes, e.g. '12 / 12' (separable taps) or '12 / 12x12'. */
  filters: string;
  fusedMs: number;
  compositeMs: number;
  fusedGradMs: number;
  compositeGradMs: number;
}

interface BenchCase { layer: string; x: [number, number, number, number]; fu: FirFilter; fd: FirFilter; o: FilteredLreluOptions }

/** A smooth low-pass-like filter (values do not matter for timing), 1-D or k x k. */
function lowpass(k: number, twoD = false): FirFilter {
  const t = Array.from({ length: k }, (_, i) => Math.sin((Math.PI * (i + 0.5)) / k));
  const data = twoD ? t.flatMap((a) => t.map((b) => a * b)) : t;
  const s = data.reduce((a, b) => a + b);
  return { data: data.map((v) => v / s), shape: twoD ? [k, k] : [k] };
}

/** NVIDIA's SynthesisLayer padding for in -> out px (x is in + convKernel - 1 wide). */
function layerPadding(inSize: number, outSize: number, conv: number, up: number, down: number, upTaps: number, downTaps: number): [number, number, number, number] {
  const total = (outSize - 1) * down + 1 - (inSize + conv - 1) * up + upTaps + downTaps - 2;
  const lo = Math.floor((total + up) / 2);
  return [lo, total - lo, lo, total - lo];
}

function cases(quick: boolean): BenchCase[] {
  const make = (layer: string, n: number, inSize: number, outSize: number, c: number, up: number, conv: number, radial: boolean): BenchCase => {
    const upTaps = 6 * up, downTaps = 12;
    return {
      layer, x: [n, inSize + conv - 1, inSize + conv - 1, c], fu: lowpass(upTaps), fd: lowpass(downTaps, radial),
      o: { up, down: 2, padding: layerPadding(inSize, outSize, conv, up, 2, upTaps, downTaps), clamp: 256 },
    };
  };
  if (quick) return [make('T 8 px (quick)', 1, 8, 8, 8, 2, 3, false), make('R 8 px (quick)', 1, 8, 8, 8, 2, 1, true)];
  return [
    make('T 36 px', 1, 36, 36, 512, 2, 3, false),
    make('T 36 -> 52 px', 1, 36, 52, 512, 4, 3, false),
    make('T 52 px', 1, 52, 52, 256, 2, 3, false),
    make('T 52 px, batch 4', 4, 52, 52, 64, 2, 3, false),
    make('R 36 px (radial)', 1, 36, 36, 512, 2, 1, true),
  ];
}

/** Rows for the active backend when it has the fused kernel; [] otherwise. */
export function benchFilteredLrelu(quick: boolean, minMs: number): FilteredLreluRow[] {
  if (!hasFusedKernel(FUSED.filteredLrelu)) return [];
  return cases(quick).map((cs) => {
    const x = tf.randomNormal(cs.x, 0, 1, 'float32', 5) as tf.Tensor4D;
    const b = tf.randomNormal([cs.x[3]], 0, 0.2, 'float32', 6) as tf.Tensor1D;
    const y = filteredLrelu(x, cs.fu, cs.fd, b, cs.o);
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 7);
    type Op = typeof filteredLrelu;
    const fwd = (op: Op) => timeIt(() => op(x, cs.fu, cs.fd, b, cs.o).dispose(), minMs).ms;
    const grad = (op: Op) => timeIt(() => tf.tidy(() => {
      tf.grads((u: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(op(u as tf.Tensor4D, cs.fu, cs.fd, v as tf.Tensor1D, cs.o), dy)))([x, b]);
    }), minMs).ms;
    const row: FilteredLreluRow = {
      layer: cs.layer, x: cs.x, y: y.shape, up: cs.o.up!, down: cs.o.down!,
      filters: `${cs.fu.shape.join('x')} / ${cs.fd.shape.join('x')}`,
      fusedMs: fwd(filteredLrelu), compositeMs: fwd(filteredLreluComposite),
      fusedGradMs: grad(filteredLrelu), compositeGradMs: grad(filteredLreluComposite),
    };
    tf.dispose([x, b, y, dy]);
    return row;
  });
}
