import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { encodeNpy, encodeNpz, parseNpy, parseNpz, type NpyArray } from '../../src/io/npy.js';
import { RandomState } from '../../src/sampling/rng.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/stylegan2-ada-tiny/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(FIXTURES + name));
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

/** Header of every np.save file below: magic, v1.0, length 0x76, dict prefix. */
const H = '934e554d5059010076007b276465736372273a20';
const pad = (dictTail: string): string => {
  const used = (H.length + dictTail.length) / 2;
  return H + dictTail + '20'.repeat(127 - used) + '0a';
};
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
/** Bytes exactly as NumPy 1.24 np.save wrote them for each case. */
function numpyFile(descrAndShape: string, dataHex: string): Uint8Array {
  return hex(pad(ascii(descrAndShape)) + dataHex);
}

function assertBad(bytes: Uint8Array, pattern: RegExp, parse: (b: Uint8Array, s: string) => unknown = parseNpy): void {
  assert.throws(
    () => parse(bytes, 'x.npy'),
    (e: unknown) => {
      assert.ok(e instanceof Error, 'must throw an Error');
      assert.ok(e.message.startsWith('x.npy'), e.message);
      assert.ok(!/[\r\n]/.test(e.message), e.message);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

function floats(a: NpyArray): number[] {
  assert.ok(!(a.data instanceof BigInt64Array));
  return Array.from(a.data);
}

test('fixture projected_w.npz: w is [1, 8, 128] float32, finite, one w broadcast to all layers', () => {
  const npz = parseNpz(fixture('projected_w.npz'), 'projected_w.npz');
  assert.deepEqual(Object.keys(npz), ['w']);
  const { dtype, shape, data } = npz.w;
  assert.equal(dtype, '<f4');
  assert.deepEqual(shape, [1, 8, 128]);
  assert.ok(data instanceof Float32Array);
  assert.ok(data.every(Number.isFinite));
  // Printed by NumPy: w[0, 0, :3], w[0, 0, -1], and every layer is identical.
  assert.deepEqual(Array.from(data.subarray(0, 3)), [0.03193889558315277, -0.3645654320716858, 1.289386510848999]);
  assert.equal(data[127], -0.3833581507205963);
  for (let layer = 1; layer < 8; layer++) assert.deepEqual(data.subarray(layer * 128, layer * 128 + 128), data.subarray(0, 128));
});

test('fixture projected_w.npy is the synthesized image [3, 32, 32]; d_logits.npy is [4, 1]', () => {
  const img = parseNpy(fixture('projected_w.npy'), 'projected_w.npy');
  assert.deepEqual(img.shape, [3, 32, 32]);
  assert.equal(img.data.length, 3 * 32 * 32);
  assert.deepEqual(floats(img).slice(0, 3), [-0.12494391202926636, -0.5337099432945251, -0.4228419065475464]);
  assert.equal(img.data[img.data.length - 1], 0.3352128863334656);
  const logits = parseNpy(fixture('d_logits.npy'), 'd_logits.npy');
  assert.equal(logits.dtype, '<f4');
  assert.deepEqual(logits.shape, [4, 1]);
  assert.deepEqual(floats(logits), [0.7220174670219421, 0.6615546941757202, 0.7927713990211487, 1.3070317506790161]);
});

test('encodeNpy reproduces np.save byte for byte', () => {
  for (const name of ['projected_w.npy', 'd_logits.npy']) {
    const original = fixture(name);
    const a = parseNpy(original, name);
    assert.deepEqual(encodeNpy(a.data, a.shape), original, name);
  }
  const w = parseNpz(fixture('projected_w.npz')).w;
  const member = encodeNpy(w.data, w.shape);
  assert.equal(member.length, 4224); // the size listed in the npz's directory
});

test('reads every supported dtype as np.save writes it', () => {
  const f8 = parseNpy(numpyFile("'<f8', 'fortran_order': False, 'shape': (3,), }", '000000000000f83f00000000000002c0182d4454fb210940'));
  assert.deepEqual([f8.dtype, f8.shape, floats(f8)], ['<f8', [3], [1.5, -2.25, Math.PI]]);
  const i4 = parseNpy(numpyFile("'<i4', 'fortran_order': False, 'shape': (2, 2), }", '01000000feffffff03000000ffffff7f'));
  assert.deepEqual([i4.shape, floats(i4)], [[2, 2], [1, -2, 3, 2 ** 31 - 1]]);
  const i8 = parseNpy(numpyFile("'<i8', 'fortran_order': False, 'shape': (2,), }", '0300000000010000ffffffffffffffff'));
  assert.deepEqual(i8.data, BigInt64Array.from([2n ** 40n + 3n, -1n]));
  const u1 = parseNpy(numpyFile("'|u1', 'fortran_order': False, 'shape': (3,), }", '00ff07'));
  assert.deepEqual([u1.dtype, floats(u1)], ['|u1', [0, 255, 7]]);
  const b1 = parseNpy(numpyFile("'|b1', 'fortran_order': False, 'shape': (3,), }", '010001'));
  assert.deepEqual([b1.dtype, floats(b1)], ['|b1', [1, 0, 1]]);
  const scalar = parseNpy(numpyFile("'<f4', 'fortran_order': False, 'shape': (), }", '00002040'));
  assert.deepEqual([scalar.shape, floats(scalar)], [[], [2.5]]);
  const empty = parseNpy(numpyFile("'<f4', 'fortran_order': False, 'shape': (0, 3), }", ''));
  assert.deepEqual([empty.shape, empty.data.length], [[0, 3], 0]);
});

test('encodeNpy matches np.save for other dtypes and shapes', () => {
  const same = (bytes: Uint8Array, descrAndShape: string, dataHex: string): void =>
    assert.equal(Buffer.from(bytes).toString('hex'), Buffer.from(numpyFile(descrAndShape, dataHex)).toString('hex'));
  same(encodeNpy(Float32Array.from([0, 1, 2, 3, 4]), [5]), "'<f4', 'fortran_order': False, 'shape': (5,), }", '000000000000803f000000400000404000008040');
  same(encodeNpy(Float32Array.from([2.5]), []), "'<f4', 'fortran_order': False, 'shape': (), }", '00002040');
  same(encodeNpy(Uint8Array.from([1, 0, 1]), [3], '|b1'), "'|b1', 'fortran_order': False, 'shape': (3,), }", '010001');
  same(encodeNpy(BigInt64Array.from([2n ** 40n + 3n, -1n]), [2]), "'<i8', 'fortran_order': False, 'shape': (2,), }", '0300000000010000ffffffffffffffff');
});

test('v2 and v3 headers parse; Python 2 "3L" shapes parse', () => {
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }";
  for (const major of [2, 3]) {
    const header = new TextEncoder().encode(dict + ' '.repeat(64 - ((12 + dict.length + 1) % 64)) + '\n');
    const bytes = new Uint8Array(12 + header.length + 8);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
    new DataView(bytes.buffer).setUint32(8, header.length, true);
    bytes.set(header, 12);
    new DataView(bytes.buffer).setFloat32(12 + header.length + 4, -7, true);
    assert.deepEqual(floats(parseNpy(bytes)), [0, -7], `v${major}`);
  }
});

test('huge shapes switch encodeNpy to a v2 header', () => {
  // 30000 dims of size 1: the shape text alone is > 64 kB.
  const shape = new Array<number>(30000).fill(1);
  const bytes = encodeNpy(Float32Array.from([3]), shape);
  assert.equal(bytes[6], 2);
  assert.equal((12 + new DataView(bytes.buffer).getUint32(8, true)) % 64, 0);
  const back = parseNpy(bytes);
  assert.equal(back.shape.length, 30000);
  assert.deepEqual(floats(back), [3]);
});

test('npz round trip, stored and deflated, plus np.savez_compressed output (zip64 extras)', () => {
  const rs = new RandomState(0);
  const z = Float32Array.from(rs.randn(4, 16));
  const arrays = { z: { data: z, shape: [4, 16] }, step: { data: BigInt64Array.from([5n]), shape: [] }, mask: { data: Uint8Array.from([1, 0]), shape: [2], dtype: '|b1' as const } };
  for (const compress of [false, true]) {
    const bytes = encodeNpz(arrays, { compress });
    const back = parseNpz(bytes, 'rt.npz');
    assert.deepEqual(Object.keys(back), ['z', 'step', 'mask']);
    assert.deepEqual(back.z.data, z);
    assert.deepEqual(back.z.shape, [4, 16]);
    assert.deepEqual(back.step.data, BigInt64Array.from([5n]));
    assert.equal(back.mask.dtype, '|b1');
    assert.deepEqual(encodeNpz(arrays, { compress }), bytes, 'deterministic output');
  }
  const savezCompressed = hex(
    '504b0304140000000800000021004fe9002a550000009800000005001400612e6e707901001000980000000000000055000000000000009bec17ea1b10c9c850c650ad9e925a9c5ca46ea5a06e9366a2aea3a09e965f54529498179f5f94920a12774bcc294e058a17672416a402f91a463a0ac69a3a0ab50a64032e063068b007120e4004c40d40bcc00100504b0304140000000800000021000cfc1ce94a0000009000000005001400622e6e70790100100090000000000000004a000000000000009bec17ea1b10c9c850c650ad9e925a9c5ca46ea5a06e9369a1aea3a09e965f54529498179f5f94920a12774bcc294e058a17672416a402f91a463a9a3a0ab50a14002e4606086082d200504b01021403140000000800000021004fe9002a5500000098000000050000000000000000000000800100000000612e6e7079504b01021403140000000800000021000cfc1ce94a0000009000000005000000000000000000000080018c000000622e6e7079504b05060000000002000200660000000d0100000000',
  );
  const np = parseNpz(savezCompressed);
  assert.deepEqual([np.a.shape, floats(np.a)], [[2, 3], [0, 1, 2, 3, 4, 5]]);
  assert.deepEqual(np.b.data, BigInt64Array.from([1n, 2n]));
});

test('corrupt .npy inputs give one clear error each', () => {
  const good = encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
  assertBad(good.subarray(0, 4), /truncated file: 4 bytes/);
  assertBad(Uint8Array.from([...good.subarray(0, 6).map(() => 0x41), ...good.subarray(6)]), /bad magic/);
  const v9 = good.slice();
  v9[6] = 9;
  assertBad(v9, /unsupported \.npy version 9\.0/);
  assertBad(good.subarray(0, 100), /truncated file: header length 118 exceeds/);
  assertBad(good.subarray(0, good.length - 1), /needs 24 bytes of data but the file has 23/);
  assertBad(Uint8Array.from([...good, 0]), /needs 24 bytes of data but the file has 25/);
  assertBad(numpyFile("'<f4', 'fortran_order': True, 'shape': (2, 3), }", '00'.repeat(24)), /fortran_order=True arrays are not supported/);
  assertBad(numpyFile("'>f4', 'fortran_order': False, 'shape': (1,), }", '00'.repeat(4)), /unsupported dtype ">f4"/);
  assertBad(numpyFile("[('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", '00'.repeat(4)), /unsupported dtype \(structured\)/);
  assertBad(numpyFile("'<f4', 'fortran_order': False, 'shape': (-1,), }", ''), /shape is not a tuple of non-negative integers/);
  assertBad(numpyFile("'<f4', 'fortran_order': False, 'shape': (99999999, 99999999, 99999999), }", ''), /needs more bytes than the file holds/);
  assertBad(numpyFile("'<f4', 'fortran_order': False, }", ''), /header keys must be descr, fortran_order, shape/);
  assertBad(numpyFile("'<f4', 'fortran_order': False, 'shape': (1,) ", '00'), /not a Python literal/);
  assertBad(numpyFile("'<f4', 'fortran_order': Maybe, 'shape': (1,) }", '00'), /unexpected "M"/);
  assertBad(numpyFile("'<f4, 'fortran_order': False, 'shape': (1,), }", ''), /not a Python|unterminated|header keys/);
  const deep = hex(pad(ascii(`'<f4', 'x': ${'('.repeat(40)}`)));
  assertBad(deep, /nests too deeply/);
  const absurd = good.slice();
  absurd[6] = 2;
  new DataView(absurd.buffer).setUint32(8, 0xfffffff0, true);
  assertBad(absurd, /header length \d+ is absurd/);
});

test('corrupt .npz inputs give one clear error each', () => {
  const good = encodeNpz({ a: { data: Float32Array.from([1, 2]), shape: [2] } });
  assertBad(good.subarray(0, 10), /truncated file: 10 bytes/, parseNpz);
  assertBad(new Uint8Array(200), /not a valid zip archive/, parseNpz);
  // A member with a broken .npy inside names both the archive and the member.
  const broken = zipSync({ 'bad.npy': [Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), { level: 0 }] });
  assertBad(broken, /^x\.npy:bad\.npy: not a \.npy file/, parseNpz);
  // Unpacked size far beyond what deflate can produce: refused before allocating.
  const bomb = encodeNpz({ a: { data: new Float32Array(64), shape: [64] } }, { compress: true });
  const view = new DataView(bomb.buffer);
  const cd = bomb.findIndex((_, i) => i + 4 <= bomb.length && view.getUint32(i, true) === 0x02014b50);
  view.setUint32(cd + 24, 0x7fffffff, true); // central directory "uncompressed size"
  assertBad(bomb, /inconsistent sizes/, parseNpz);
});

test('truncated and bit-flipped .npy/.npz never crash with a non-Error', () => {
  const npy = encodeNpy(Float32Array.from(new RandomState(2).randn(10)), [2, 5]);
  const npz = encodeNpz({ a: { data: Float32Array.from([1, 2, 3]), shape: [3] } }, { compress: true });
  const check = (parse: (b: Uint8Array, s: string) => unknown, bytes: Uint8Array): void => {
    try {
      parse(bytes, 'f');
    } catch (e) {
      assert.ok(e instanceof Error, `non-Error: ${String(e)}`);
      assert.ok(e.message.startsWith('f'), e.message);
      assert.ok(!/[\r\n]/.test(e.message), e.message);
    }
  };
  for (const [parse, good] of [[parseNpy, npy], [parseNpz, npz]] as const) {
    for (let n = 0; n < good.length; n++) check(parse, good.subarray(0, n));
    const rng = new RandomState(3);
    for (let t = 0; t < 2000; t++) {
      const bad = good.slice();
      for (let k = 0; k <= rng.randomInterval(2); k++) bad[rng.randomInterval(bad.length - 1)] = rng.randomInterval(255);
      check(parse, bad);
    }
  }
});

test('encode rejects inconsistent input', () => {
  assert.throws(() => encodeNpy(Float32Array.from([1, 2]), [3]), /shape \(3\) has 3 elements but data has 2/);
  assert.throws(() => encodeNpy(Float32Array.from([1]), [-1]), /invalid shape/);
  assert.throws(() => encodeNpy(Float32Array.from([1]), [1], '<i4'), /dtype <i4 does not match a Float32Array/);
  assert.throws(() => encodeNpz({ '': { data: Float32Array.from([1]), shape: [1] } }), /empty array name/);
});
