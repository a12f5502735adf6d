/**
 * The fused kernels of src/ops/fused.ts as WGSL programs for tfjs' webgpu backend (browser and
 * Node/Dawn): bias_act and its gradient, Adam, upfirdn2d, StyleGAN3's filtered_lrelu and its
 * gradient (a few dispatches each). Same semantics as the native backend's
 * C++ (native/src/fused.cc): the same float32 formulas, taps summed in the same order.
 * Browser-safe: only types come from @tensorflow/tfjs-backend-webgpu; the page (or
 * webgpu-node.ts) loads the backend itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { FUSED, registerFusedGradients, upfirdnSize, type BiasActAttrs, type UpFirDnAttrs } from '../ops/fused.js';
import type { FilteredLreluAttrs } from '../ops/filtered-lrelu.js';

type Uniforms = Array<{ type: 'float32' | 'int32'; data: number[] }>;

/** Scalars, one entry each (tfjs aligns a 3- or 4-long entry as a vector). */
const scalars = (type: 'float32' | 'int32', values: number[]): Uniforms => values.map((v) => ({ type, data: [v] }));

const WORKGROUP = 64;

/** A program over the output's flat index (tfjs calls `main(index)`; `uniforms.size` = output size). */
function flatProgram(shaderKey: string, variableNames: string[], outputShape: number[], uniforms: string, body: string): WebGPUProgram {
  const program: WebGPUProgram = {
    shaderKey, variableNames, outputShape, size: true, uniforms,
    workgroupSize: [WORKGROUP, 1, 1],
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(tf.util.sizeFromShape(outputShape) / WORKGROUP), 1, 1],
    getUserCode: () => body,
  };
  return program;
}

function float32(t: TensorInfo, kernel: string, what: string): void {
  if (t.dtype !== 'float32') throw new Error(`${kernel} (webgpu): ${what} must be float32, got ${t.dtype}`);
}

/** A WGSL f32 literal that converts back to exactly Math.fround(v). */
function f32Literal(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) throw new Error(`webgpu kernel: non-finite constant ${v}`);
  const s = f === 0 ? '0.0' : f.toPrecision(9);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

// NaN test that no compiler may fold away (WGSL lets implementations assume there are no NaNs).
const IS_NAN = 'fn sgnIsNan(v : f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }';

// bias_act: t = x (+ b[i % c]); lrelu(t) * gain = max(t, 0) gain + min(t, 0) alpha gain, clamped
// to +-clamp when clamp >= 0; the gradient's factor is gain or alpha gain, 0 where the clamp cut.
const ACT_UNIFORMS = 'alpha : f32, gain : f32, clampV : f32, c : i32,';
const ACT_FNS = `
  fn sgnAct(t : f32) -> f32 {
    return select(0.0, t, t > 0.0) * uniforms.gain + select(0.0, t, t < 0.0) * (uniforms.alpha * uniforms.gain);
  }`;

function actUniforms(a: BiasActAttrs, c: number): Uniforms {
  return [...scalars('float32', [a.alpha, a.gain, a.clamp]), ...scalars('int32', [c])];
}

function lastDim(x: TensorInfo, b: TensorInfo | undefined, kernel: string): number {
  const c = x.shape.length ? x.shape[x.shape.length - 1] : 1;
  if (b && (b.shape.length !== 1 || b.shape[0] !== c)) throw new Error(`${kernel} (webgpu): bias [${b.shape}] does not match x [${x.shape}]`);
  return Math.max(c, 1);
}

const act = (withBias: boolean): KernelFunc => ({ inputs, backend, attrs }) => {
  const { x, b } = inputs as { x: TensorInfo; b?: TensorInfo };
  const name = withBias ? FUSED.biasAct : FUSED.act;
  float32(x, name, 'x');
  if (withBias) float32(b!, name, 'b');
  const a = attrs as unknown as BiasActAttrs;
  const c = lastDim(x, withBias ? b : undefined, name);
  const program = flatProgram(`sgn_act_${withBias}`, withBias ? ['X', 'B'] : ['X'], x.shape, ACT_UNIFORMS, `
    ${ACT_FNS}
    fn main(index : i32) {
      if (index < uniforms.size) {
        let t = X[index]${withBias ? ' + B[index % uniforms.c]' : ''};
        var o = sgnAct(t);
        if (uniforms.clampV >= 0.0) { o = clamp(o, -uniforms.clampV, uniforms.clampV); }
        setOutputAtIndex(index, o);
      }
    }`);
  return (backend as WebGPUBackend).runWebGPUProgram(program, withBias ? [x, b!] : [x], 'float32', actUniforms(a, c));
};

const actGrad = (withBias: boolean): KernelFunc => ({ inputs, backend, attrs }) => {
  const { dy, x, b } = inputs as { dy: TensorInfo; x: TensorInfo; b?: TensorInfo };
  const name = withBias ? FUSED.biasActGrad : FUSED.actGrad;
  float32(dy, name, 'dy'); float32(x, name, 'x');
  if (withBias) float32(b!, name, 'b');
  if (!tf.util.arraysEqual(dy.shape, x.shape)) throw new Error(`${name} (webgpu): dy [${dy.shape}] does not match x [${x.shape}]`);
  const a = attrs as unknown as BiasActAttrs;
  const c = lastDim(x, withBias ? b : undefined, name);
  const program = flatProgram(`sgn_act_grad_${withBias}`, withBias ? ['DY', 'X', 'B'] : ['DY', 'X'], x.shape, ACT_UNIFORMS, `
    ${ACT_FNS}
    fn main(index : i32) {
      if (index < uniforms.size) {
        let t = X[index]${withBias ? ' + B[index % uniforms.c]' : ''};
        var g = select(uniforms.alpha * uniforms.gain, uniforms.gain, t > 0.0);
        if (uniforms.clampV >= 0.0) {
          let o = sgnAct(t);
          if (o > uniforms.clampV || o < -uniforms.clampV) { g = 0.0; }
        }
        setOutputAtIndex(index, DY[index] * g);
      }
    }`);
  return (backend as WebGPUBackend).runWebGPUProgram(program, withBias ? [dy, x, b!] : [dy, x], 'float32', actUniforms(a, c));
};

// Adam with NVIDIA's nan_to_num(g, 0, +-clip) first (clip <= 0: none). tfjs-webgpu programs write
// one output each, so m, v and p are three dispatches; each binds only the inputs it reads (an
// unread binding is dropped from the pipeline's layout and the bind group would not match).
const ADAM: Record<'p' | 'm' | 'v', { inputs: Array<'P' | 'M' | 'V' | 'G'>; out: string }> = {
  p: { inputs: ['P', 'M', 'V', 'G'], out: 'P[index] - (mi / uniforms.c1) / (sqrt(vi / uniforms.c2) + uniforms.eps) * uniforms.lr' },
  m: { inputs: ['M', 'G'], out: 'mi' },
  v: { inputs: ['V', 'G'], out: 'vi' },
};

const adam: KernelFunc = ({ inputs, backend, attrs }) => {
  const t = inputs as Record<'p' | 'm' | 'v' | 'g', TensorInfo>;
  for (const [k, x] of Object.entries(t)) {
    float32(x, FUSED.adam, k);
    if (!tf.util.arraysEqual(x.shape, t.p.shape)) throw new Error(`${FUSED.adam} (webgpu): ${k} [${x.shape}] does not match p [${t.p.shape}]`);
  }
  const a = attrs as NamedAttrMap as Record<string, number>;
  // float32 constants, as the unfused ops' scalar tensors hold them.
  const uniforms = scalars('float32', [a.lr, a.beta1, a.beta2, 1 - a.beta1, 1 - a.beta2, a.c1, a.c2, a.eps, a.clip]);
  return (['p', 'm', 'v'] as const).map((which) => {
    const { inputs: names, out } = ADAM[which];
    const program = flatProgram(`sgn_adam_${which}`, names, t.p.shape,
      'lr : f32, beta1 : f32, beta2 : f32, omb1 : f32, omb2 : f32, c1 : f32, c2 : f32, eps : f32, clip : f32,', `
      ${IS_NAN}
      fn main(index : i32) {
        if (index < uniforms.size) {
          var gi = G[index];
          if (uniforms.clip > 0.0) { gi = select(clamp(gi, -uniforms.clip, uniforms.clip), 0.0, sgnIsNan(gi)); }
          ${which !== 'v' ? 'let mi = M[index] * uniforms.beta1 + gi * uniforms.omb1;' : ''}
          ${which !== 'm' ? 'let vi = V[index] * uniforms.beta2 + gi * gi * uniforms.omb2;' : ''}
          setOutputAtIndex(index, ${out});
        }
      }`);
    return (backend as WebGPUBackend).runWebGPUProgram(program, names.map((n) => t[n.toLowerCase() as 'p' | 'm' | 'v' | 'g']), 'float32', uniforms);
  });
};

// One FIR stage on NHWC (upfirdn2d, and each pass of filtered_lrelu): output pixel (oy, ox) gathers
// k[i, j] * x[uy / upY, ux / upX] over the taps with uy = oy * downY + i - offY (likewise x) that
// land on a real input pixel (not padding, not an inserted zero), rows then columns as the native
// kernels sum them. Filter, factors and filter size are compiled in (a network uses a handful);
// the offsets are uniforms.
interface FirStage {
  k: ArrayLike<number>;
  kh: number;
  kw: number;
  up: [number, number];
  down: [number, number];
  off: [number, number];
  out: [number, number];
}

function firStage(backend: WebGPUBackend, x: TensorInfo, st: FirStage): TensorInfo {
  const [n, , , c] = x.shape;
  const taps = Array.from(st.k, f32Literal);
  const [upY, upX] = st.up, [dnY, dnX] = st.down;
  const program = flatProgram(`sgn_fir_${upY}_${upX}_${dnY}_${dnX}_${st.kh}x${st.kw}_${taps.join(',')}`, ['X'], [n, ...st.out, c], 'offX : i32, offY : i32,', `
    var<private> sgnK : array<f32, ${taps.length}> = array<f32, ${taps.length}>(${taps.join(', ')});
    fn main(index : i32) {
      if (index < uniforms.size) {
        let o = getCoordsFromIndex(index);
        let h = uniforms.xShape.y;
        let w = uniforms.xShape.z;
        let c = uniforms.xShape.w;
        var acc = 0.0;
        for (var i = 0; i < ${st.kh}; i++) {
          let uy = o.y * ${dnY} + i - uniforms.offY;
          if (uy < 0 || uy >= h * ${upY} || uy % ${upY} != 0) { continue; }
          let row = (o.x * h + uy / ${upY}) * w;
          for (var j = 0; j < ${st.kw}; j++) {
            let ux = o.z * ${dnX} + j - uniforms.offX;
            if (ux < 0 || ux >= w * ${upX} || ux % ${upX} != 0) { continue; }
            acc = acc + X[(row + ux / ${upX}) * c + o.w] * sgnK[i * ${st.kw} + j];
          }
        }
        setOutputAtIndex(index, acc);
      }
    }`);
  return backend.runWebGPUProgram(program, [x], 'float32', scalars('int32', [st.off[1], st.off[0]]));
}

const upfirdn2d: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  float32(x, FUSED.upfirdn2d, 'x');
  const a = attrs as unknown as UpFirDnAttrs;
  if (x.shape.length !== 4) throw new Error(`${FUSED.upfirdn2d} (webgpu): x must be [N, H, W, C], got [${x.shape}]`);
  if (a.k.length !== a.kh * a.kw) throw new Error(`${FUSED.upfirdn2d} (webgpu): ${a.k.length} taps for a ${a.kh}x${a.kw} kernel`);
  const [, h, w] = x.shape;
  const [x0, x1, y0, y1] = a.pad;
  const oh = upfirdnSize(h, a.up, y0, y1, a.kh, a.down), ow = upfirdnSize(w, a.up, x0, x1, a.kw, a.down);
  if (oh < 1 || ow < 1) throw new Error(`upfirdn2d: [${x.shape}] with pad [${a.pad}] and a ${a.kh}x${a.kw} kernel leaves no output`);
  return firStage(backend as WebGPUBackend, x, { k: a.k, kh: a.kh, kw: a.kw, up: [a.up, a.up], down: [a.down, a.down], off: [y0, x0], out: [oh, ow] });
};

// StyleGAN3's filtered_lrelu as the native kernel's pipeline of WGSL dispatches (no composite tfjs
// ops; the up-sampled intermediate exists in GPU memory):
//   forward:  x + b -> up stage (ku) -> lrelu * gain, clamp -> down stage (kd) -> y
//   gradient: dy -> transposed down stage (flipped kd) -> * act'(up stage of x + b, recomputed)
//             -> transposed up stage (flipped ku) -> dx
// A separable filter [k] is a W pass then an H pass, as native/src/filtered_lrelu.cc sums them.
interface FilterSpec { k: number[]; kh: number; kw: number; sep: boolean }

function filterSpec(k: number[], shape: number[]): FilterSpec {
  return shape.length === 1 ? { k, kh: shape[0], kw: shape[0], sep: true } : { k, kh: shape[0], kw: shape[1], sep: false };
}

/** A stage with filter f from a source of [srcH, srcW] to [outH, outW]; temporaries freed. */
function filterStage(backend: WebGPUBackend, x: TensorInfo, f: FilterSpec, up: number, down: number, off: [number, number], out: [number, number]): TensorInfo {
  if (!f.sep) return firStage(backend, x, { k: f.k, kh: f.kh, kw: f.kw, up: [up, up], down: [down, down], off, out });
  const wPass = firStage(backend, x, { k: f.k, kh: 1, kw: f.kw, up: [1, up], down: [1, down], off: [0, off[1]], out: [x.shape[1], out[1]] });
  const y = firStage(backend, wPass, { k: f.k, kh: f.kh, kw: 1, up: [up, 1], down: [down, 1], off: [off[0], 0], out });
  backend.disposeData(wPass.dataId);
  return y;
}

const reversed = (f: FilterSpec): FilterSpec => ({ ...f, k: f.k.slice().reverse() });

interface FlGeometry { ku: FilterSpec; kd: FilterSpec; mid: [number, number]; out: [number, number] }

function flGeometry(x: TensorInfo, b: TensorInfo, a: FilteredLreluAttrs, kernel: string): FlGeometry {
  if (x.shape.length !== 4) throw new Error(`${kernel} (webgpu): x must be [N, H, W, C], got [${x.shape}]`);
  lastDim(x, b, kernel);
  const [, h, w] = x.shape;
  const [px0, px1, py0, py1] = a.padding;
  const ku = filterSpec(a.ku, a.kuShape), kd = filterSpec(a.kd, a.kdShape);
  const mid: [number, number] = [h * a.up + py0 + py1 - ku.kh + 1, w * a.up + px0 + px1 - ku.kw + 1];
  const out: [number, number] = [Math.floor((mid[0] - kd.kh + a.down) / a.down), Math.floor((mid[1] - kd.kw + a.down) / a.down)];
  if (out[0] < 1 || out[1] < 1) throw new Error(`${kernel} (webgpu): x [${x.shape}] with padding [${a.padding}] leaves no output`);
  return { ku, kd, mid, out };
}

/** x + b, then the up stage: the activation's input. */
function flPreActivation(backend: WebGPUBackend, x: TensorInfo, b: TensorInfo, a: FilteredLreluAttrs, g: FlGeometry): TensorInfo {
  const xb = act(true)({ inputs: { x, b }, backend, attrs: { alpha: 1, gain: 1, clamp: -1 } }) as TensorInfo;
  const pre = filterStage(backend, xb, g.ku, a.up, 1, [a.padding[2], a.padding[0]], g.mid);
  backend.disposeData(xb.dataId);
  return pre;
}

const filteredLrelu: KernelFunc = ({ inputs, backend: be, attrs }) => {
  const backend = be as WebGPUBackend;
  const { x, b } = inputs as { x: TensorInfo; b: TensorInfo };
  float32(x, FUSED.filteredLrelu, 'x'); float32(b, FUSED.filteredLrelu, 'b');
  const a = attrs as unknown as FilteredLreluAttrs;
  const g = flGeometry(x, b, a, FUSED.filteredLrelu);
  const pre = flPreActivation(backend, x, b, a, g);
  const y = act(false)({ inputs: { x: pre }, backend, attrs: { alpha: a.slope, gain: a.gain, clamp: a.clamp } }) as TensorInfo;
  backend.disposeData(pre.dataId);
  const out = filterStage(backend, y, g.kd, 1, a.down, [0, 0], g.out);
  backend.disposeData(y.dataId);
  return out;
};

const filteredLreluGrad: KernelFunc = ({ inputs, backend: be, attrs }) => {
  const backend = be as WebGPUBackend;
  const { dy, x, b } = inputs as { dy: TensorInfo; x: TensorInfo; b: TensorInfo };
  for (const [k, t] of Object.entries({ dy, x, b })) float32(t, FUSED.filteredLreluGrad, k);
  const a = attrs as unknown as FilteredLreluAttrs;
  const g = flGeometry(x, b, a, FUSED.filteredLreluGrad);
  if (dy.shape[1] !== g.out[0] || dy.shape[2] !== g.out[1]) throw new Error(`${FUSED.filteredLreluGrad} (webgpu): dy [${dy.shape}] is not the output's shape`);
  const dMid = filterStage(backend, dy, reversed(g.kd), a.down, 1, [g.kd.kh - 1, g.kd.kw - 1], g.mid);
  const pre = flPreActivation(backend, x, b, a, g);
  const dPre = actGrad(false)({ inputs: { dy: dMid, x: pre }, backend, attrs: { alpha: a.slope, gain: a.gain, clamp: a.clamp } }) as TensorInfo;
  backend.disposeData(dMid.dataId); backend.disposeData(pre.dataId);
  const [px0, , py0] = a.padding;
  const dx = filterStage(backend, dPre, reversed(g.ku), 1, a.up, [g.ku.kh - 1 - py0, g.ku.kw - 1 - px0], [x.shape[1], x.shape[2]]);
  backend.disposeData(dPre.dataId);
  return dx;
};

/** The fused kernels that run as WGSL on webgpu. */
export const WEBGPU_FUSED_KERNELS: Record<string, KernelFunc> = {
  [FUSED.biasAct]: act(true), [FUSED.act]: act(false),
  [FUSED.biasActGrad]: actGrad(true), [FUSED.actGrad]: actGrad(false),
  [FUSED.adam]: adam, [FUSED.upfirdn2d]: upfirdn2d,
  [FUSED.filteredLrelu]: filteredLrelu, [FUSED.filteredLreluGrad]: filteredLreluGrad,
};

let registered = false;
/** Registers the WGSL kernels (and the fused ops' gradients) for the 'webgpu' backend; idempotent. */
export function registerWebGPUKernels(): void {
  if (registered) return;
  registered = true;
  registerFusedGradients();
  for (const [kernelName, kernelFunc] of Object.entries(WEBGPU_FUSED_KERNELS)) {
    if (tf.getKernel(kernelName, 'webgpu') == null) tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc });
  }
}
