/**
 * A 2019 StyleGAN generator (Gs / G_ema of the `stylegan` arch) as an ONNX graph, with the same
 * interface as the StyleGAN2 export: `z` [N, zDim], `psi` [1] (truncation, optionally below a cutoff) ->
 * `img` [N, R, R, C], stored constant noise. It follows src/networks/stylegan in NCHW: pixel
 * norm and the mapping's equalized dense layers (gains folded into the weights), per layer
 * noise -> bias -> lrelu -> instance norm -> style modulation x * (ys + 1) + yb; 2x nearest
 * upsampling (or, where fused_scale applies, the stride-2 transposed conv with the 4x4 kernel
 * that sums the 3x3 one at four offsets), 3x3 convs, the [1, 2, 1] blur; toRGB at the top.
 */
import type { StyleGANConfig } from '../networks/stylegan/config.js';
import { LRELU_GAIN, blockResolutions, useFused } from '../networks/stylegan/config.js';
import type { RawTensor } from '../networks/params.js';
import { firKernel2d } from '../ops/resample.js';
import { OnnxGraph, encodeModel } from './onnx-proto.js';
import { col, convWeight, depthwise, normalize2nd, spread } from './onnx-ops.js';
import type { OnnxExportOptions } from './export-onnx-stylegan2.js';

/** G_ema of a `stylegan` checkpoint as ONNX model bytes. */
export function exportStyleganOnnx(cfg: StyleGANConfig, p: Record<string, RawTensor>, source: string, opts: OnnxExportOptions = {}): Uint8Array {
  const g = new OnnxGraph();
  const param = (name: string): RawTensor => {
    const t = p[name];
    if (!t) throw new Error(`${source}: G_ema has no ${name}`);
    return t;
  };
  const dense = (x: string, name: string, gain: number, lrMul: number): string => {
    const w = param(`${name}.weight`), [cin, cout] = w.shape, scale = (gain / Math.sqrt(cin)) * lrMul;
    const y = g.op('MatMul', [x, g.tensor(name, [cin, cout], w.data.map((v) => v * scale))]);
    return g.op('Add', [y, g.tensor(`${name}.b`, [cout], param(`${name}.bias`).data.map((v) => v * lrMul))]);
  };
  const lrelu = (x: string) => g.op('LeakyRelu', [x], { alpha: { f: 0.2 } });
  const mean23 = (x: string) => g.op('ReduceMean', [x], { axes: { ints: [2, 3] }, keepdims: { i: 1 } });

  const z = g.input({ name: 'z', elemType: 'float32', dims: ['batch', cfg.zDim] });
  const psi = g.input({ name: 'psi', elemType: 'float32', dims: [1] });
  let w = normalize2nd(g, z);
  for (let i = 0; i < cfg.mappingLayers; i++) w = lrelu(dense(w, `mapping.fc${i}`, LRELU_GAIN, cfg.mappingLrMul));
  const wAvg = g.tensor('wAvg', [cfg.wDim], param('w_avg').data);
  const wRaw = w, wt = g.op('Add', [wAvg, g.op('Mul', [g.op('Sub', [w, wAvg]), psi])]);
  /** Style i (two per block: conv0 2k, conv1 2k + 1) is truncated below the cutoff. */
  const wAt = (i: number) => (opts.truncationCutoff !== undefined && i >= opts.truncationCutoff ? wRaw : wt);

  /** Noise -> bias -> lrelu -> instance norm -> style modulation (NVIDIA's layer_epilogue). */
  const epilogue = (x: string, name: string, res: number, c: number, style: number): string => {
    const nc = param(`${name}.noiseConst`), ns = param(`${name}.noiseStrength`);
    let y = g.op('Add', [x, g.op('Mul', [g.tensor('noise', [1, 1, res, res], nc.data), g.tensor('strength', [1, c, 1, 1], ns.data)])]);
    y = lrelu(g.op('Add', [y, g.tensor('bias', [1, c, 1, 1], param(`${name}.bias`).data)]));
    const centered = g.op('Sub', [y, mean23(y)]);
    y = g.op('Div', [centered, g.op('Sqrt', [g.op('Add', [mean23(g.op('Mul', [centered, centered])), g.scalar(1e-8)])])]);
    const st = dense(wAt(style), `${name}.style`, 1, 1);
    const ys = g.op('Slice', [st, g.ints([0]), g.ints([c]), g.ints([1])]), yb = g.op('Slice', [st, g.ints([c]), g.ints([2 * c]), g.ints([1])]);
    return g.op('Add', [g.op('Mul', [y, col(g, g.op('Add', [ys, g.scalar(1)]))]), col(g, yb)]);
  };
  const conv3 = (x: string, w3: RawTensor, name: string) => {
    const scale = LRELU_GAIN / Math.sqrt(9 * w3.shape[2]);
    return g.op('Conv', [x, convWeight(g, name, w3, scale)], { pads: { ints: [1, 1, 1, 1] } });
  };

  let x = '';
  let c = 0;
  for (const [k, res] of blockResolutions(cfg).entries()) {
    const b = `synthesis.b${res}`, w0 = res === 4 ? null : param(`${b}.conv0.weight`);
    if (!w0) {
      // [1, 4, 4, C] -> [1, C, 4, 4]; the batch comes in with the styles.
      const cst = param(`${b}.const`);
      c = cst.shape[3];
      const chw = new Float32Array(cst.data.length);
      for (let i = 0; i < 16; i++) for (let k = 0; k < c; k++) chw[k * 16 + i] = cst.data[i * c + k];
      x = g.tensor('const', [1, c, 4, 4], chw);
    } else {
      const cin = c;
      c = w0.shape[3];
      if (useFused(cfg, res)) {
        // upscale2d_conv2d: the 3x3 kernel (scaled) summed at 4 offsets of a 4x4 one, stride-2 transposed conv, 'same'.
        const scale = LRELU_GAIN / Math.sqrt(9 * cin), k4 = new Float32Array(16 * cin * c);
        for (const [dy, dx] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
          for (let y = 0; y < 3; y++) for (let xx = 0; xx < 3; xx++) for (let t = 0; t < cin * c; t++) {
            k4[((y + dy) * 4 + xx + dx) * cin * c + t] += w0.data[(y * 3 + xx) * cin * c + t] * scale;
          }
        }
        x = g.op('ConvTranspose', [x, convWeight(g, `${b}.conv0`, { shape: [4, 4, cin, c], data: k4 }, 1, true)],
          { strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } });
      } else {
        x = conv3(spread(g, x, cin, 2, true), w0, `${b}.conv0`);
      }
      x = depthwise(g, x, c, firKernel2d([1, 2, 1]), 3, 1);
    }
    x = epilogue(x, `${b}.conv0`, res, c, 2 * k);
    x = epilogue(conv3(x, param(`${b}.conv1.weight`), `${b}.conv1`), `${b}.conv1`, res, c, 2 * k + 1);
  }
  const top = `synthesis.b${cfg.imgResolution}.torgb`, tw = param(`${top}.weight`);
  let img = g.op('Conv', [x, convWeight(g, top, tw, 1 / Math.sqrt(tw.shape[2]))]);
  img = g.op('Add', [img, g.tensor('bias', [1, cfg.imgChannels, 1, 1], param(`${top}.bias`).data)]);
  g.op('Transpose', [img], { perm: { ints: [0, 2, 3, 1] } }, 'img');
  g.output({ name: 'img', elemType: 'float32', dims: ['batch', cfg.imgResolution, cfg.imgResolution, cfg.imgChannels] });
  return encodeModel(g, {
    graphName: 'stylegan_G_ema',
    docString: `StyleGAN (2019) G_ema ${cfg.imgResolution}x${cfg.imgResolution}: z [N, ${cfg.zDim}], psi [1] -> img [N, H, W, C] in about [-1, 1]; constant noise`,
  });
}
