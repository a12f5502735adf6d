import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactLog } from '../../src/sampling/exact-log.js';

// [x, correctly rounded ln(x)] from Python's Decimal at 60 digits. For the first
// six, V8's Math.log returns the neighbouring double.
const CASES: Array<[number, number]> = [
  [0.3437930924361843, -1.0677152780438866],
  [0.6382194618295669, -0.4490730707274175],
  [0.8337287038129455, -0.1818472247316615],
  [0.21450515077639465, -1.5394215279588066],
  [0.7044364702880408, -0.35035712873153774],
  [0.6857300074216419, -0.3772713039144045],
  [0.9526656333094028, -0.048491293860739464], // glibc 2.36 misrounds this one
  [1e-300, -690.7755278982137],
  [5e-324, -744.4400719213812],
  [2.2250738585072014e-308, -708.3964185322641],
  [0.5, -0.6931471805599453],
  [0.9999999999999999, -1.1102230246251565e-16],
  [1.0000000000000002, 2.2204460492503128e-16],
  [1.7976931348623157e308, 709.782712893384],
  [3, 1.0986122886681098],
  [Math.SQRT2, 0.3465735902799727],
  [0.7071067811865476, -0.3465735902799726],
  [Math.E, 1],
];

test('exactLog is correctly rounded on known cases', () => {
  for (const [x, want] of CASES) assert.equal(exactLog(x), want, `ln(${x})`);
});

test('exactLog is exact at 1 and powers of two', () => {
  assert.equal(exactLog(1), 0);
  for (let k = -60; k <= 60; k++) {
    const got = exactLog(2 ** k);
    assert.ok(Math.abs(got - k * Math.LN2) <= Math.abs(k) * 2e-16, `2**${k}`);
  }
});

test('exactLog is within one ulp of Math.log everywhere sampled', () => {
  let state = 12345;
  for (let i = 0; i < 20000; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const x = ((state + 1) / 2 ** 32) * 2 ** ((i % 40) - 20);
    const a = exactLog(x);
    const b = Math.log(x);
    const ulp = 2 ** (Math.floor(Math.log2(Math.abs(b))) - 52);
    assert.ok(Math.abs(a - b) <= ulp, `x=${x}: ${a} vs ${b}`);
  }
});

test('exactLog special values follow Math.log', () => {
  assert.equal(exactLog(0), -Infinity);
  assert.equal(exactLog(Infinity), Infinity);
  assert.ok(Number.isNaN(exactLog(-1)));
  assert.ok(Number.isNaN(exactLog(NaN)));
});
