/**
 * The filters of augment.py: the orthogonal 'sym6' low-pass of the geometric stage, and the
 * image-space filter bank (4 octave bands built from 'sym2', one row of taps per band).
 */

/** Daubechies wavelet low-pass coefficients (augment.py's `wavelets`). */
export const SYM2 = [-0.12940952255092145, 0.22414386804185735, 0.836516303737469, 0.48296291314469025];
export const SYM6 = [0.015404109327027373, 0.0034907120842174702, -0.11799011114819057, -0.048311742585633, 0.4910559419267466, 0.787641141030194,
  0.3379294217276218, -0.07263752278646252, -0.021060292512300564, 0.04472490177066578, 0.0017677118642428036, -0.007800708325034148];

/** sym6 normalised to sum 1 (setup_filter), rounded to float32 as NVIDIA's buffer. */
export const HZ_GEOM: number[] = (() => {
  const s = SYM6.reduce((a, b) => a + b, 0);
  return SYM6.map((x) => Math.fround(x / s));
})();

export const NUM_BANDS = 4;
/** Expected power spectrum (1/f) of the bands. */
export const FBANK_EXPECTED_POWER = [10 / 13, 1 / 13, 1 / 13, 1 / 13];

function convolveFull(a: number[], b: number[]): number[] {
  const out = new Array(a.length + b.length - 1).fill(0);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) out[i + j] += a[i] * b[j];
  return out;
}

/** Hz_fbank [4, taps]: band 0 the low-pass, bands 1-3 high-passes an octave apart. */
export const HZ_FBANK: number[][] = (() => {
  const lo = SYM2, hi = SYM2.map((x, i) => (i % 2 ? -x : x));
  const lo2 = convolveFull(lo, [...lo].reverse()).map((x) => x / 2);
  const hi2 = convolveFull(hi, [...hi].reverse()).map((x) => x / 2);
  let bank: number[][] = [[1], [0], [0], [0]];
  for (let i = 1; i < NUM_BANDS; i++) {
    // Upsample every row by 2 (zeros between taps), then low-pass it, then add the band's high-pass.
    bank = bank.map((row) => convolveFull(row.flatMap((x, j) => (j < row.length - 1 ? [x, 0] : [x])), lo2));
    const len = bank[i].length, start = (len - hi2.length) >> 1;
    for (let j = 0; j < hi2.length; j++) bank[i][start + j] += hi2[j];
  }
  return bank.map((row) => row.map(Math.fround));
})();
