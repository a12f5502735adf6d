/**
 * Low-pass filter design for StyleGAN3 (paper sec. 3.2 and appendix C): Kaiser-windowed sinc
 * filters, separable (scipy.signal.firwin with `width`, as SynthesisLayer.design_lowpass_filter)
 * or radially symmetric (jinc, for the R config's downsampling filters). Computed in float64
 * with scipy's formulas, returned as float32 like NVIDIA's buffers.
 */

/** scipy.signal.kaiser_atten: stopband attenuation (dB) of a Kaiser FIR filter; width is relative to Nyquist. */
export function kaiserAtten(numtaps: number, width: number): number {
  return 2.285 * (numtaps - 1) * Math.PI * width + 7.95;
}

/** scipy.signal.kaiser_beta: Kaiser window beta for an attenuation of `a` dB. */
export function kaiserBeta(a: number): number {
  if (a > 50) return 0.1102 * (a - 8.7);
  if (a > 21) return 0.5842 * Math.pow(a - 21, 0.4) + 0.07886 * (a - 21);
  return 0;
}

/** Modified Bessel function I0 by its power series (all terms positive, so no cancellation). */
export function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1, sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * Bessel function J1 by the trapezoidal rule on Bessel's integral over one period,
 * J1(x) = 1/(2 pi) int_{-pi}^{pi} cos(t - x sin t) dt, which converges geometrically once the
 * number of points exceeds |x| (plenty for the |x| < 100 filter design needs).
 */
export function besselJ1(x: number): number {
  const n = 64 + 2 * Math.ceil(Math.abs(x));
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t = -Math.PI + (2 * Math.PI * i) / n;
    sum += Math.cos(t - x * Math.sin(t));
  }
  return sum / n;
}

/** numpy.kaiser(M, beta): the symmetric Kaiser window. */
export function kaiserWindow(m: number, beta: number): Float64Array {
  const w = new Float64Array(m);
  if (m === 1) { w[0] = 1; return w; }
  const alpha = (m - 1) / 2, denom = besselI0(beta);
  for (let n = 0; n < m; n++) {
    const r = (n - alpha) / alpha;
    w[n] = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / denom;
  }
  return w;
}

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

/**
 * scipy.signal.firwin(numtaps, cutoff, width=width, fs=fs): a low-pass FIR filter, Kaiser
 * window chosen from the transition width, scaled to unit DC gain.
 */
export function firwin(numtaps: number, cutoff: number, width: number, fs: number): Float64Array {
  const nyq = fs / 2;
  const c = cutoff / nyq;
  if (!(c > 0 && c < 1)) throw new Error(`Error in firwin: cutoff ${cutoff} must lie in (0, ${nyq})`);
  const beta = kaiserBeta(kaiserAtten(numtaps, width / nyq));
  const win = kaiserWindow(numtaps, beta);
  const alpha = 0.5 * (numtaps - 1);
  const h = new Float64Array(numtaps);
  let s = 0;
  for (let i = 0; i < numtaps; i++) {
    h[i] = c * sinc(c * (i - alpha)) * win[i];
    s += h[i];
  }
  for (let i = 0; i < numtaps; i++) h[i] /= s;
  return h;
}

/** A designed filter: 1-D taps (separable, applied along x and y) or a 2-D [size, size] radial one. */
export interface LowpassFilter {
  /** Row-major taps: `size` values when separable, size*size when radial. */
  taps: Float32Array;
  size: number;
  radial: boolean;
}

/**
 * SynthesisLayer.design_lowpass_filter: null for the identity (numtaps 1); else the separable
 * Kaiser filter, or the jinc filter windowed by the outer product of Kaiser windows, normalised
 * to sum 1.
 */
export function designLowpassFilter(numtaps: number, cutoff: number, width: number, fs: number, radial = false): LowpassFilter | null {
  if (!(numtaps >= 1)) throw new Error(`Error in designLowpassFilter: numtaps ${numtaps} < 1`);
  if (numtaps === 1) return null;
  if (!radial) return { taps: Float32Array.from(firwin(numtaps, cutoff, width, fs)), size: numtaps, radial: false };
  const beta = kaiserBeta(kaiserAtten(numtaps, width / (fs / 2)));
  const w = kaiserWindow(numtaps, beta);
  const x = Array.from({ length: numtaps }, (_, i) => (i - (numtaps - 1) / 2) / fs);
  const f = new Float64Array(numtaps * numtaps);
  let s = 0;
  for (let i = 0; i < numtaps; i++) {
    for (let j = 0; j < numtaps; j++) {
      const r = Math.hypot(x[j], x[i]);
      // j1(2 pi c r) / (pi r), whose limit at r = 0 is c (numpy would give nan there; even numtaps never hit it).
      const v = r === 0 ? cutoff : besselJ1(2 * cutoff * Math.PI * r) / (Math.PI * r);
      f[i * numtaps + j] = v * w[i] * w[j];
      s += f[i * numtaps + j];
    }
  }
  for (let i = 0; i < f.length; i++) f[i] /= s;
  return { taps: Float32Array.from(f), size: numtaps, radial: true };
}
