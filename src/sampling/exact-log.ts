/**
 * Correctly rounded natural log. V8's `Math.log` (fdlibm) is off by one ulp
 * for ~3% of inputs relative to glibc's, which NumPy uses; that would make
 * `randn` differ from NumPy in the last bit. Evaluating log in double-double
 * (~100 bits) and rounding once reproduces glibc's result in practice.
 */

const SPLITTER = 134217729; // 2**27 + 1, Veltkamp split constant
const LN2_HI = 0.6931471805599453;
const LN2_LO = 2.3190468138462996e-17;
const SQRT2 = Math.SQRT2;
/** atanh series terms; |s| <= 0.1716 so s**(2*TERMS) is below 2**-105. */
const TERMS = 22;

// Double-double results are returned through these to avoid allocating.
let rHi = 0;
let rLo = 0;

function twoSum(a: number, b: number): void {
  const s = a + b;
  const bb = s - a;
  rHi = s;
  rLo = a - (s - bb) + (b - bb);
}

function quickTwoSum(a: number, b: number): void {
  const s = a + b;
  rHi = s;
  rLo = b - (s - a);
}

function twoProd(a: number, b: number): void {
  const p = a * b;
  let t = SPLITTER * a;
  const aHi = t - (t - a);
  const aLo = a - aHi;
  t = SPLITTER * b;
  const bHi = t - (t - b);
  const bLo = b - bHi;
  rHi = p;
  rLo = aHi * bHi - p + aHi * bLo + aLo * bHi + aLo * bLo;
}

/** (aH, aL) * (bH, bL) */
function ddMul(aH: number, aL: number, bH: number, bL: number): void {
  twoProd(aH, bH);
  quickTwoSum(rHi, rLo + (aH * bL + aL * bH));
}

/** (aH, aL) + (bH, bL) */
function ddAdd(aH: number, aL: number, bH: number, bL: number): void {
  twoSum(aH, bH);
  quickTwoSum(rHi, rLo + aL + bL);
}

/** 1 / (2k + 1) as double-double, for the atanh series. */
const COEF_HI = new Float64Array(TERMS);
const COEF_LO = new Float64Array(TERMS);
for (let k = 0; k < TERMS; k++) {
  const n = 2 * k + 1;
  const hi = 1 / n;
  twoProd(hi, n);
  COEF_HI[k] = hi;
  COEF_LO[k] = (1 - rHi - rLo) / n;
}

const view = new DataView(new ArrayBuffer(8));

/** Unbiased binary exponent of a positive normal double. */
function exponentOf(x: number): number {
  view.setFloat64(0, x);
  return ((view.getUint32(0) >>> 20) & 0x7ff) - 1023;
}

/** ln(x) rounded to nearest from a ~106-bit evaluation. */
export function exactLog(x: number): number {
  if (!(x > 0) || x === Infinity) return Math.log(x); // NaN, 0, negatives, inf
  let k = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 2 ** 54; // lift subnormals so the exponent field is meaningful
    k = -54;
  }
  const e = exponentOf(x);
  let m = x * 2 ** -e; // exact: power-of-two scaling, m in [1, 2)
  k += e;
  if (m > SQRT2) {
    m *= 0.5;
    k += 1;
  }
  // ln(m) = 2 atanh(s), s = (m - 1) / (m + 1); m - 1 is exact (Sterbenz).
  const f = m - 1;
  twoSum(m, 1);
  const dHi = rHi;
  const dLo = rLo;
  const q1 = f / dHi;
  twoProd(q1, dHi);
  const q2 = (f - rHi - rLo - q1 * dLo) / dHi;
  quickTwoSum(q1, q2);
  const sHi = rHi;
  const sLo = rLo;
  ddMul(sHi, sLo, sHi, sLo);
  const s2Hi = rHi;
  const s2Lo = rLo;
  // Horner: sum_k s2**k / (2k + 1)
  let pHi = COEF_HI[TERMS - 1];
  let pLo = COEF_LO[TERMS - 1];
  for (let i = TERMS - 2; i >= 0; i--) {
    ddMul(pHi, pLo, s2Hi, s2Lo);
    ddAdd(rHi, rLo, COEF_HI[i], COEF_LO[i]);
    pHi = rHi;
    pLo = rLo;
  }
  ddMul(pHi, pLo, 2 * sHi, 2 * sLo);
  const lnMHi = rHi;
  const lnMLo = rLo;
  twoProd(k, LN2_HI);
  const kHi = rHi;
  const kLo = rLo + k * LN2_LO;
  ddAdd(kHi, kLo, lnMHi, lnMLo);
  return rHi + rLo;
}
