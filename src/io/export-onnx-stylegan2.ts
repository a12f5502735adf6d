/**
 * A StyleGAN2 generator (G_ema) as an ONNX graph: inputs `z` [N, zDim], `psi` [1] (truncation
 * towards w_avg on every style, or those below a cutoff fixed at export) and, for conditional networks, `c` [N, cDim]; output `img`
 * [N, R, R, C] (NHWC, about [-1, 1], as our generator's images). The synthesis uses the stored
 * constant noise (noise_mode='const'), folded with each noise strength into one initializer.
 *
 * The graph follows our ops (src/networks/stylegan2) in NCHW, the layout of ONNX's Conv:
 * normalize_2nd_moment, FullyConnectedLayer (gains folded into the weights), modulated_conv2d
 * in its non-fused form (scale the input, convolve, demodulate with rsqrt(s^2 @ sum_k w^2)),
 * conv2d_resample's transposed-conv + FIR path for the upsampling convs, upfirdn2d as
 * zero-insertion (a 1x1 stride-2 ConvTranspose), pad/crop and a depthwise FIR Conv, and
 * bias_act as Add, LeakyRelu, Mul and Clip. Opset 17.
 */
import type { StyleGAN2Config } from '../networks/stylegan2/config.js';
import type { RawTensor } from '../networks/params.js';
import { channelsAt } from '../networks/stylegan2/layers.js';
import { type Fir, setupFilter } from '../networks/stylegan2/ops.js';
import { OnnxGraph, encodeModel } from './onnx-proto.js';
import { col, convWeight, depthwise, normalize2nd, spread } from './onnx-ops.js';

const SQRT2 = Math.SQRT2;

class Builder {
  readonly g = new OnnxGraph();
  constructor(readonly cfg: StyleGAN2Config, readonly p: Record<string, RawTensor>, readonly source: string, readonly cutoff?: number) {}

  param(name: string): RawTensor {
    const t = this.p[name];
    if (!t) throw new Error(`${this.source}: G_ema has no ${name}`);
    return t;
  }

  /** x [N, in] @ (w * weightGain) + b * biasGain, then lrelu * sqrt 2 if asked. */
  fc(x: string, name: string, lr: number, act: boolean, hasBias = true): string {
    const w = this.param(`${name}.weight`), [cin, cout] = w.shape, gain = lr / Math.sqrt(cin);
    let y = this.g.op('MatMul', [x, this.g.tensor(name, [cin, cout], w.data.map((v) => v * gain))]);
    if (hasBias) y = this.g.op('Add', [y, this.g.tensor(`${name}.b`, [cout], this.param(`${name}.bias`).data.map((v) => v * lr))]);
    return act ? this.g.op('Mul', [this.g.op('LeakyRelu', [y], { alpha: { f: 0.2 } }), this.g.scalar(SQRT2)]) : y;
  }

  normalize(x: string): string { return normalize2nd(this.g, x); }
  col(x: string): string { return col(this.g, x); }
  convWeight(name: string, w: RawTensor, transpose = false): string { return convWeight(this.g, name, w, 1, transpose); }

  /** Pads (positive) and crops (negative) the spatial axes by NVIDIA's [x0, x1, y0, y1]. */
  padCrop(x: string, [x0, x1, y0, y1]: number[], h: number, w: number): string {
    let y = x;
    if (x0 > 0 || x1 > 0 || y0 > 0 || y1 > 0) {
      y = this.g.op('Pad', [y, this.g.ints([0, 0, Math.max(y0, 0), Math.max(x0, 0), 0, 0, Math.max(y1, 0), Math.max(x1, 0)])]);
    }
    if (x0 < 0 || x1 < 0 || y0 < 0 || y1 < 0) {
      const H = h + Math.max(y0, 0) + Math.max(y1, 0), W = w + Math.max(x0, 0) + Math.max(x1, 0);
      const sy = Math.max(-y0, 0), sx = Math.max(-x0, 0);
      y = this.g.op('Slice', [y, this.g.ints([sy, sx]), this.g.ints([H - Math.max(-y1, 0), W - Math.max(-x1, 0)]), this.g.ints([2, 3])]);
    }
    return y;
  }

  /** upfirdn2d (convolution with `f`, not correlation) on [N, C, h, w]; returns the new size too. */
  upfirdn(x: string, c: number, h: number, w: number, f: Fir, up: number, pad: number[], gain: number): [string, number, number] {
    let y = x;
    if (up > 1) {
      y = spread(this.g, y, c, up, false); // zero insertion
      h *= up; w *= up;
    }
    y = this.padCrop(y, pad, h, w);
    h += pad[2] + pad[3]; w += pad[0] + pad[1];
    const n = f.size, k = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k[i * n + j] = f.k[(n - 1 - i) * n + (n - 1 - j)] * gain; // convolution: flipped
    if (n > 1 || gain !== 1) y = depthwise(this.g, y, c, k, n);
    return [y, h - n + 1, w - n + 1];
  }

  /** bias_act: + b, lrelu (or linear), * gain, clamp. */
  biasAct(x: string, b: RawTensor | null, act: boolean, gain: number, clamp: number | null): string {
    let y = x;
    if (b) y = this.g.op('Add', [y, this.g.tensor('bias', [1, b.shape[0], 1, 1], b.data)]);
    if (act) y = this.g.op('LeakyRelu', [y], { alpha: { f: 0.2 } });
    if (gain !== 1) y = this.g.op('Mul', [y, this.g.scalar(gain)]);
    if (clamp !== null && clamp >= 0) y = this.g.op('Clip', [y, this.g.scalar(-clamp, []), this.g.scalar(clamp, [])]);
    return y;
  }

  /** SynthesisLayer: modulated 3x3 conv (up 1 or 2), const noise, bias + lrelu + clamp. */
  synthesisLayer(x: string, w: string, name: string, res: number, up: number, f: Fir, gain = 1): string {
    const s = this.cfg.synthesis;
    const weight = this.param(`${name}.weight`), [, , cin, cout] = weight.shape;
    const styles = this.fc(w, `${name}.affine`, 1, false);
    let y = this.g.op('Mul', [x, this.col(styles)]);
    if (up === 1) {
      y = this.g.op('Conv', [y, this.convWeight(name, weight)], { pads: { ints: [1, 1, 1, 1] } });
    } else {
      // conv2d_resample, up = 2, padding 1, flip_weight = False: transposed conv, then the FIR.
      const fw = f.size, kh = 3, kw = 3;
      const px0 = 1 + Math.floor((fw + up - 1) / 2) - (kw - 1), px1 = 1 + Math.floor((fw - up) / 2) - (kw - up);
      const py0 = px0, py1 = px1;
      const pt = Math.max(Math.min(-px0, -px1), 0);
      const h = res / up;
      y = this.g.op('ConvTranspose', [y, this.convWeight(name, weight, true)], { strides: { ints: [up, up] }, pads: { ints: [pt, pt, pt, pt] } });
      const hc = (h - 1) * up + kh - 2 * pt;
      [y] = this.upfirdn(y, cout, hc, hc, f, 1, [px0 + pt, px1 + pt, py0 + pt, py1 + pt], up * up);
    }
    // Demodulation: rsqrt(styles^2 @ sum_k w^2 + 1e-8), per sample and output channel.
    const w2 = new Float32Array(cin * cout), k2 = weight.shape[0] * weight.shape[1];
    for (let t = 0; t < k2; t++) for (let i = 0; i < cin * cout; i++) w2[i] += weight.data[t * cin * cout + i] ** 2;
    const d = this.g.op('MatMul', [this.g.op('Mul', [styles, styles]), this.g.tensor(`${name}.w2`, [cin, cout], w2)]);
    y = this.g.op('Mul', [y, this.col(this.g.op('Reciprocal', [this.g.op('Sqrt', [this.g.op('Add', [d, this.g.scalar(1e-8)])])]))]);
    if (s.useNoise) {
      const strength = this.param(`${name}.noiseStrength`).data[0], nc = this.param(`${name}.noiseConst`);
      y = this.g.op('Add', [y, this.g.tensor(`${name}.noise`, [1, 1, res, res], nc.data.map((v) => v * strength))]);
    }
    return this.biasAct(y, this.param(`${name}.bias`), true, SQRT2 * gain, s.convClamp === null ? null : s.convClamp * gain);
  }

  /** ToRGBLayer: modulated 1x1 conv without demodulation, bias, clamp. */
  toRgb(x: string, w: string, name: string): string {
    const weight = this.param(`${name}.weight`), cin = weight.shape[2];
    const styles = this.g.op('Mul', [this.fc(w, `${name}.affine`, 1, false), this.g.scalar(1 / Math.sqrt(cin))]);
    const y = this.g.op('Conv', [this.g.op('Mul', [x, this.col(styles)]), this.convWeight(name, weight)]);
    return this.biasAct(y, this.param(`${name}.bias`), false, 1, this.cfg.synthesis.convClamp);
  }

  build(): Uint8Array {
    const { cfg, g } = this, m = cfg.mapping, s = cfg.synthesis, f = setupFilter(s.resampleFilter);
    const z = g.input({ name: 'z', elemType: 'float32', dims: ['batch', cfg.zDim] });
    const psi = g.input({ name: 'psi', elemType: 'float32', dims: [1] });
    const parts = [this.normalize(z)];
    if (cfg.cDim > 0) {
      const c = g.input({ name: 'c', elemType: 'float32', dims: ['batch', cfg.cDim] });
      parts.push(this.normalize(this.fc(c, 'mapping.embed', 1, false)));
    }
    let w = parts.length > 1 ? g.op('Concat', parts, { axis: { i: 1 } }) : parts[0];
    for (let i = 0; i < m.numLayers; i++) w = this.fc(w, `mapping.fc${i}`, m.lrMultiplier, true);
    // Truncation w_avg + (w - w_avg) * psi on the styles below the cutoff (all without one).
    const wAvg = g.tensor('wAvg', [cfg.wDim], this.param('mapping.wAvg').data);
    const wRaw = w, wt = g.op('Add', [wAvg, g.op('Mul', [g.op('Sub', [w, wAvg]), psi])]);
    /** The w of style i: block at 2^(k+2) px has conv0 2k-1, conv1 2k, torgb 2k+1 (4x4: conv1 0, torgb 1). */
    const wAt = (i: number) => (this.cutoff !== undefined && i >= this.cutoff ? wRaw : wt);

    let x = '', img = '';
    const ch = (r: number) => channelsAt(s.channelBase, s.channelMax, r);
    for (let res = 4; res <= cfg.imgResolution; res *= 2) {
      const b = `synthesis.b${res}`, last = res === cfg.imgResolution, k = Math.log2(res) - 2;
      if (res === 4) {
        const cst = this.param(`${b}.const`), [h, wd, c] = cst.shape, chw = new Float32Array(cst.data.length);
        for (let y = 0; y < h; y++) for (let xx = 0; xx < wd; xx++) for (let k = 0; k < c; k++) chw[(k * h + y) * wd + xx] = cst.data[(y * wd + xx) * c + k];
        // [1, C, 4, 4] broadcasts against the styles [N, C, 1, 1] in the first modulation.
        x = this.synthesisLayer(g.tensor('const', [1, c, h, wd], chw), wAt(0), `${b}.conv1`, res, 1, f);
      } else if (s.architecture === 'resnet') {
        const sk = this.param(`${b}.skip.weight`), cout = sk.shape[3], fw = f.size;
        const p0 = Math.floor((fw + 1) / 2), p1 = Math.floor((fw - 2) / 2);
        const skGain = 1 / Math.sqrt(sk.shape[2]); // Conv2dLayer's weight gain, 1x1 kernel
        let y = g.op('Conv', [x, this.convWeight(`${b}.skip`, { shape: sk.shape, data: sk.data.map((v) => v * skGain) })]);
        [y] = this.upfirdn(y, cout, res / 2, res / 2, f, 2, [p0, p1, p0, p1], 4);
        y = this.biasAct(y, null, false, Math.SQRT1_2, null);
        const h = this.synthesisLayer(this.synthesisLayer(x, wAt(2 * k - 1), `${b}.conv0`, res, 2, f), wAt(2 * k), `${b}.conv1`, res, 1, f, Math.SQRT1_2);
        x = g.op('Add', [y, h]);
      } else {
        x = this.synthesisLayer(this.synthesisLayer(x, wAt(2 * k - 1), `${b}.conv0`, res, 2, f), wAt(2 * k), `${b}.conv1`, res, 1, f);
      }
      if (img) {
        const fw = f.size, p0 = Math.floor((fw + 1) / 2), p1 = Math.floor((fw - 2) / 2);
        [img] = this.upfirdn(img, cfg.imgChannels, res / 2, res / 2, f, 2, [p0, p1, p0, p1], 4);
      }
      if (last || s.architecture === 'skip') {
        const y = this.toRgb(x, wAt(2 * k + 1), `${b}.torgb`);
        img = img ? g.op('Add', [img, y]) : y;
      }
    }
    g.op('Transpose', [img], { perm: { ints: [0, 2, 3, 1] } }, 'img');
    g.output({ name: 'img', elemType: 'float32', dims: ['batch', cfg.imgResolution, cfg.imgResolution, cfg.imgChannels] });
    return encodeModel(g, {
      graphName: 'stylegan2_G_ema',
      docString: `StyleGAN2 G_ema ${cfg.imgResolution}x${cfg.imgResolution}: z [N, ${cfg.zDim}]${cfg.cDim ? `, c [N, ${cfg.cDim}]` : ''}, psi [1] -> img [N, H, W, C] in about [-1, 1]; constant noise`,
    });
  }
}

export interface OnnxExportOptions {
  /** Truncate only styles [0, cutoff) (NVIDIA's 2019 examples: 8); undefined = all. */
  truncationCutoff?: number;
}

/** G_ema of a `stylegan2` checkpoint as ONNX model bytes. */
export function exportStyleGAN2Onnx(cfg: StyleGAN2Config, gEma: Record<string, RawTensor>, source: string, opts: OnnxExportOptions = {}): Uint8Array {
  return new Builder(cfg, gEma, source, opts.truncationCutoff).build();
}
