/**
 * The fused kernels of src/ops/fused.ts as WGSL programs for tfjs' webgpu backend (browser and
 * Node/Dawn): bias_act and its gradient, Adam, upfirdn2d. Same semantics as the native backend's
 * C++ (native/src/fused.cc): the same float32 formulas, taps summed in the same order.
 * Browser-safe: only types come from @tensorflow/tfjs-backend-webgpu; the page (or
 * webgpu-node.ts) loads the backend itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { FUSED, registerFusedGradients, upfirdnSize, type BiasActAttrs, type UpFirDnAttrs } from '../ops/fused.js';

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

// upfirdn2d on NHWC: output pixel (oy, ox) gathers k[i, j] * x[uy / up, ux / up] over the taps
// with uy = oy * down + i - y0 (likewise x) that land on a real input pixel (not padding, not an
// inserted zero), rows then columns as the native kernel sums them. The filter, up, down and its
// size are compiled in (a network uses a handful); the padding is a uniform.
const upfirdn2d: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  float32(x, FUSED.upfirdn2d, 'x');
  const a = attrs as unknown as UpFirDnAttrs;
  if (x.shape.length !== 4) throw new Error(`${FUSED.upfirdn2d} (webgpu): x must be [N, H, W, C], got [${x.shape}]`);
  if (a.k.length !== a.kh * a.kw) throw new Error(`${FUSED.upfirdn2d} (webgpu): ${a.k.length} taps for a ${a.kh}x${a.kw} kernel`);
  const [n, h, w, c] = x.shape;
  const [x0, x1, y0, y1] = a.pad;
  const oh = upfirdnSize(h, a.up, y0, y1, a.kh, a.down), ow = upfirdnSize(w, a.up, x0, x1, a.kw, a.down);
  if (oh < 1 || ow < 1) throw new Error(`upfirdn2d: [${x.shape}] with pad [${a.pad}] and a ${a.kh}x${a.kw} kernel leaves no output`);
  const taps = a.k.map(f32Literal);
  const program = flatProgram(`sgn_upfirdn2d_${a.up}_${a.down}_${a.kh}x${a.kw}_${taps.join(',')}`, ['X'], [n, oh, ow, c], 'x0 : i32, y0 : i32,', `
    var<private> sgnK : array<f32, ${taps.length}> = array<f32, ${taps.length}>(${taps.join(', ')});
    fn main(index : i32) {
      if (index < uniforms.size) {
        let o = getCoordsFromIndex(index);
        let h = uniforms.xShape.y;
        let w = uniforms.xShape.z;
        let c = uniforms.xShape.w;
        var acc = 0.0;
        for (var i = 0; i < ${a.kh}; i++) {
          let uy = o.y * ${a.down} + i - uniforms.y0;
          if (uy < 0 || uy >= h * ${a.up} || uy % ${a.up} != 0) { continue; }
          let row = (o.x * h + uy / ${a.up}) * w;
          for (var j = 0; j < ${a.kw}; j++) {
            let ux = o.z * ${a.down} + j - uniforms.x0;
            if (ux < 0 || ux >= w * ${a.up} || ux % ${a.up} != 0) { continue; }
            acc = acc + X[(row + ux / ${a.up}) * c + o.w] * sgnK[i * ${a.kw} + j];
          }
        }
        setOutputAtIndex(index, acc);
      }
    }`);
  return (backend as WebGPUBackend).runWebGPUProgram(program, [x], 'float32', scalars('int32', [x0, y0]));
};

/** The fused kernels that run as WGSL on webgpu. */
export const WEBGPU_FUSED_KERNELS: Record<string, KernelFunc> = {
  [FUSED.biasAct]: act(true), [FUSED.act]: act(false),
  [FUSED.biasActGrad]: actGrad(true), [FUSED.actGrad]: actGrad(false),
  [FUSED.adam]: adam, [FUSED.upfirdn2d]: upfirdn2d,
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
