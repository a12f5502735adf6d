/**
 * The per-layer schedule of StyleGAN3's synthesis network (paper sec. 3.2, fig. 4b; NVIDIA's
 * SynthesisNetwork.__init__ and SynthesisLayer.__init__): cutoffs and minimum stopbands grow
 * geometrically from the first layer to the last non-critical one, then stay at the output's
 * Nyquist rate; sampling rates are the powers of two covering twice the stopband; each layer
 * upsamples to a temporary rate for the leaky ReLU and back, with Kaiser low-pass filters.
 */
import type { StyleGAN3Config } from './config.js';
import { type LowpassFilter, designLowpassFilter } from './filters.js';

export interface LayerSpec {
  /** NVIDIA's module name `L{idx}_{outSize}_{outChannels}`. */
  name: string;
  isTorgb: boolean;
  isCriticallySampled: boolean;
  inChannels: number;
  outChannels: number;
  inSize: number;
  outSize: number;
  inSamplingRate: number;
  outSamplingRate: number;
  tmpSamplingRate: number;
  inCutoff: number;
  outCutoff: number;
  inHalfWidth: number;
  outHalfWidth: number;
  convKernel: number;
  upFactor: number;
  downFactor: number;
  upTaps: number;
  downTaps: number;
  downRadial: boolean;
  /** [x0, x1, y0, y1] for filtered_lrelu. */
  padding: [number, number, number, number];
}

export interface InputSpec {
  channels: number;
  size: number;
  samplingRate: number;
  bandwidth: number;
}

/** numpy.rint: round half to even. */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The input's and every layer's parameters, exactly as NVIDIA computes them (float64). */
export function synthesisSchedule(cfg: Pick<StyleGAN3Config, 'imgResolution' | 'imgChannels' | 'synthesis'>): { input: InputSpec; layers: LayerSpec[] } {
  const s = cfg.synthesis, res = cfg.imgResolution, L = s.numLayers;
  if (!(L > s.numCritical && s.numCritical >= 0)) throw new Error(`Error in synthesisSchedule: numLayers ${L} must exceed numCritical ${s.numCritical}`);
  const lastCutoff = res / 2, lastStopband = lastCutoff * s.lastStopbandRel;
  const idx = Array.from({ length: L + 1 }, (_, i) => i);
  const exponents = idx.map((i) => Math.min(i / (L - s.numCritical), 1));
  const cutoffs = exponents.map((e) => s.firstCutoff * (lastCutoff / s.firstCutoff) ** e);
  const stopbands = exponents.map((e) => s.firstStopband * (lastStopband / s.firstStopband) ** e);
  const rates = stopbands.map((t) => 2 ** Math.ceil(Math.log2(Math.min(t * 2, res))));
  const halfWidths = idx.map((i) => Math.max(stopbands[i], rates[i] / 2) - cutoffs[i]);
  const sizes = idx.map((i) => (i >= L - 1 ? res : rates[i] + s.marginSize * 2));
  const channels = idx.map((i) => (i === L ? cfg.imgChannels : rint(Math.min(s.channelBase / 2 / cutoffs[i], s.channelMax))));

  const layers = idx.map((i): LayerSpec => {
    const p = Math.max(i - 1, 0), isTorgb = i === L;
    const isCriticallySampled = i >= L - s.numCritical;
    const inRate = rates[p], outRate = rates[i];
    const tmp = Math.max(inRate, outRate) * (isTorgb ? 1 : s.lreluUpsampling);
    const up = rint(tmp / inRate), down = rint(tmp / outRate);
    if (inRate * up !== tmp || outRate * down !== tmp) throw new Error(`Error in synthesisSchedule: layer ${i} rates ${inRate} -> ${tmp} -> ${outRate} are not integer ratios`);
    const upTaps = up > 1 && !isTorgb ? s.filterSize * up : 1;
    const downTaps = down > 1 && !isTorgb ? s.filterSize * down : 1;
    const k = isTorgb ? 1 : s.convKernel;
    const padTotal = (sizes[i] - 1) * down + 1 - (sizes[p] + k - 1) * up + upTaps + downTaps - 2;
    const padLo = Math.floor((padTotal + up) / 2); // Python's // floors negative totals too
    const padHi = padTotal - padLo;
    return {
      name: `L${i}_${sizes[i]}_${channels[i]}`, isTorgb, isCriticallySampled,
      inChannels: channels[p], outChannels: channels[i], inSize: sizes[p], outSize: sizes[i],
      inSamplingRate: inRate, outSamplingRate: outRate, tmpSamplingRate: tmp,
      inCutoff: cutoffs[p], outCutoff: cutoffs[i], inHalfWidth: halfWidths[p], outHalfWidth: halfWidths[i],
      convKernel: k, upFactor: up, downFactor: down, upTaps, downTaps,
      downRadial: s.useRadialFilters && !isCriticallySampled,
      padding: [padLo, padHi, padLo, padHi],
    };
  });
  return { input: { channels: channels[0], size: sizes[0], samplingRate: rates[0], bandwidth: cutoffs[0] }, layers };
}

/** The layer's up and down filters, designed as SynthesisLayer does (null = identity). */
export function layerFilters(l: LayerSpec): { up: LowpassFilter | null; down: LowpassFilter | null } {
  return {
    up: designLowpassFilter(l.upTaps, l.inCutoff, l.inHalfWidth * 2, l.tmpSamplingRate),
    down: designLowpassFilter(l.downTaps, l.outCutoff, l.outHalfWidth * 2, l.tmpSamplingRate, l.downRadial),
  };
}
