import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensors,
  tensorToFloat32,
  MAX_HEADER_BYTES,
  type WritableTensor,
} from '../../src/io/safetensors.js';
import { readSafetensorsFile, writeFileAtomic, writeSafetensorsFile } from '../../src/io/fs-atomic.js';
import { RandomState } from '../../src/sampling/rng.js';

/** Build a file by hand (independent of the encoder): u64 length, header, data. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function le(values: number[], bytesPer: 2 | 4): Uint8Array {
  const out = new Uint8Array(values.length * bytesPer);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => (bytesPer === 2 ? v.setUint16(i * 2, x, true) : v.setFloat32(i * 4, x, true)));
  return out;
}

/** Asserts a decode failure: an Error, one line, naming source and problem. */
function assertBad(bytes: Uint8Array, pattern: RegExp, source = 'model.safetensors'): void {
  assert.throws(
    () => decodeSafetensors(bytes, source),
    (e: unknown) => {
      assert.ok(e instanceof Error, 'must throw an Error');
      assert.ok(!/[\r\n]/.test(e.message), `one line: ${e.message}`);
      assert.ok(e.message.startsWith(`${source}: `), `names source: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

const SAMPLE: Record<string, WritableTensor> = {
  'mapping.fc0.weight': { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-30, -Infinity]) },
  'synthesis.b4.const': { dtype: 'F32', shape: [3], data: Float32Array.from([0.1, 0.2, 0.3]) },
  scalar: { dtype: 'F32', shape: [], data: Float32Array.from([7]) },
  empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
  step: { dtype: 'I64', shape: [1], data: BigInt64Array.from([2n ** 40n + 3n]) },
  labels: { dtype: 'I32', shape: [2], data: Int32Array.from([-5, 2 ** 31 - 1]) },
  mask: { dtype: 'U8', shape: [3], data: Uint8Array.from([0, 255, 7]) },
  w: { dtype: 'F64', shape: [1], data: Float64Array.from([Math.PI]) },
};

test('round trip keeps names, order, dtypes, shapes, values and metadata', () => {
  const bytes = encodeSafetensors(SAMPLE, { format: 'pt', step: '1200' });
  const headerLen = new DataView(bytes.buffer).getUint32(0, true);
  assert.equal(headerLen % 8, 0, 'data section is 8-byte aligned');
  const { tensors, metadata } = decodeSafetensors(bytes, 'x');
  assert.deepEqual(metadata, { format: 'pt', step: '1200' });
  assert.deepEqual(Object.keys(tensors), Object.keys(SAMPLE));
  for (const [name, t] of Object.entries(SAMPLE)) {
    assert.equal(tensors[name].dtype, t.dtype, name);
    assert.deepEqual(tensors[name].shape, t.shape, name);
    assert.deepEqual(tensors[name].data, t.data, name);
  }
});

test('no metadata decodes as {} and offsets are contiguous', () => {
  const bytes = encodeSafetensors({ a: SAMPLE.scalar, b: SAMPLE['synthesis.b4.const'] });
  const len = new DataView(bytes.buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
  assert.equal(header.__metadata__, undefined);
  assert.deepEqual(header.a.data_offsets, [0, 4]);
  assert.deepEqual(header.b.data_offsets, [4, 16]);
  assert.equal(bytes.length, 8 + len + 16);
  assert.deepEqual(decodeSafetensors(bytes).metadata, {});
});

test('reads a hand-built file, unaligned inside a larger buffer', () => {
  const file = rawFile(
    { __metadata__: { a: 'b' }, x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } },
    le([1.5, -3], 4),
  );
  const big = new Uint8Array(file.length + 3);
  big.set(file, 3);
  const { tensors } = decodeSafetensors(big.subarray(3));
  assert.deepEqual(Array.from(tensors.x.data as Float32Array), [1.5, -3]);
});

test('F16 and BF16 widen to float32 exactly', () => {
  const f16 = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x3555];
  const bf16 = [0x3f80, 0xc020, 0x4049, 0x0000, 0x7f80];
  const file = rawFile(
    {
      h: { dtype: 'F16', shape: [8], data_offsets: [0, 16] },
      b: { dtype: 'BF16', shape: [5], data_offsets: [16, 26] },
    },
    new Uint8Array([...le(f16, 2), ...le(bf16, 2)]),
  );
  const { tensors } = decodeSafetensors(file);
  assert.deepEqual(Array.from(tensorToFloat32(tensors.h)), [1, -2, 65504, 2 ** -24, -0, Infinity, -Infinity, 0.333251953125]);
  assert.deepEqual(Array.from(tensorToFloat32(tensors.b)), [1, -2.5, 3.140625, 0, Infinity]);
  assert.ok(tensors.h.data instanceof Float32Array);
  assert.equal(tensors.h.dtype, 'F16');
});

test('F16 NaN stays NaN', () => {
  const file = rawFile({ h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, le([0x7e00], 2));
  assert.ok(Number.isNaN(tensorToFloat32(decodeSafetensors(file).tensors.h)[0]));
});

test('tensorToFloat32 widens every dtype', () => {
  const { tensors } = decodeSafetensors(encodeSafetensors(SAMPLE));
  assert.deepEqual(Array.from(tensorToFloat32(tensors.step)), [2 ** 40]);
  assert.deepEqual(Array.from(tensorToFloat32(tensors.mask)), [0, 255, 7]);
  assert.equal(tensorToFloat32(tensors.w)[0], Math.fround(Math.PI));
});

test('awkward tensor names survive (including __proto__ and newlines)', () => {
  const data = Float32Array.from([1]);
  const named = Object.fromEntries([['__proto__', { dtype: 'F32' as const, shape: [1], data }], ['a\nb', { dtype: 'F32' as const, shape: [1], data }]]);
  const out = decodeSafetensors(encodeSafetensors(named)).tensors;
  assert.deepEqual(Object.keys(out), ['__proto__', 'a\nb']);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
});

test('corrupt inputs give one clear error each', () => {
  const ok = { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const data8 = new Uint8Array(8);
  assertBad(new Uint8Array(5), /truncated file: 5 bytes/);
  const tooLong = rawFile(ok, data8);
  new DataView(tooLong.buffer).setUint32(0, 5000, true);
  assertBad(tooLong, /truncated file: header length 5000 exceeds/);
  const absurd = new Uint8Array(16).fill(0xff);
  assertBad(absurd, /header length \d+ is absurd/);
  const justOver = new Uint8Array(16);
  new DataView(justOver.buffer).setUint32(0, MAX_HEADER_BYTES + 1, true);
  assertBad(justOver, /absurd/);
  assertBad(rawFile(null, data8, '{"x": {'), /header is not JSON/);
  const badUtf8 = rawFile(null, undefined, '{"x":"??"}');
  badUtf8[8 + 6] = 0xff;
  assertBad(badUtf8, /header is not valid UTF-8/);
  assertBad(rawFile([1, 2]), /header JSON is not an object/);
  assertBad(rawFile({ x: 3 }), /tensor "x" is not an object/);
  assertBad(rawFile({ x: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, data8), /unsupported dtype "F8_E4M3"/);
  assertBad(rawFile({ x: { shape: [2], data_offsets: [0, 8] } }, data8), /tensor "x" has no dtype/);
  assertBad(rawFile({ x: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, data8), /invalid shape/);
  assertBad(rawFile({ x: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, data8), /invalid shape/);
  assertBad(rawFile({ x: { dtype: 'F32', shape: [2], data_offsets: [0] } }, data8), /invalid data_offsets/);
  assertBad(rawFile({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 16] } }, data8), /\[0, 16\] out of range \(data section is 8 bytes\)/);
  assertBad(rawFile({ x: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }, data8), /out of range/);
  assertBad(rawFile({ x: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, data8), /out of range/);
  assertBad(rawFile({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data8), /shape \[3\] F32 needs 12 bytes but data_offsets span 8/);
  assertBad(
    rawFile({ x: { dtype: 'F32', shape: [1e15, 1e15, 1e15], data_offsets: [0, 8] } }, data8),
    /needs more bytes than the file holds/,
  );
  assertBad(
    rawFile(
      { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'U8', shape: [4], data_offsets: [4, 8] } },
      data8,
    ),
    /tensors "a" \[0, 8\] and "b" \[4, 8\] overlap/,
  );
  assertBad(rawFile({ __metadata__: { k: 1 }, ...ok }, data8), /__metadata__ value for "k" is not a string/);
  assertBad(rawFile({ __metadata__: [], ...ok }, data8), /__metadata__ is not an object/);
  assertBad(rawFile({ 'evil\nname': { dtype: 'X' } }), /"evil\\nname"/);
});

test('zero-byte tensors may share an offset; identical spans may not', () => {
  const data8 = new Uint8Array(8);
  const empty = { dtype: 'F32', shape: [0], data_offsets: [4, 4] };
  const two = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  assert.equal(Object.keys(decodeSafetensors(rawFile({ e: empty, x: two }, data8)).tensors).length, 2);
  assertBad(rawFile({ x: two, y: two }, data8), /overlap/);
});

/** Every prefix, and many random corruptions, either decode or throw a one-line Error. */
test('truncations and byte flips never crash with a non-Error or hang', () => {
  const good = encodeSafetensors(SAMPLE, { note: 'fuzz' });
  const check = (bytes: Uint8Array): void => {
    try {
      decodeSafetensors(bytes, 'fuzz.safetensors');
    } catch (e) {
      assert.ok(e instanceof Error, `non-Error thrown: ${String(e)}`);
      assert.ok(e.message.startsWith('fuzz.safetensors: '), e.message);
      assert.ok(!/[\r\n]/.test(e.message), e.message);
    }
  };
  for (let n = 0; n < good.length; n++) {
    check(good.subarray(0, n));
    if (n >= 8) assertBad(good.subarray(0, n), /truncated|out of range|not JSON|not valid UTF-8/, 'fuzz.safetensors');
  }
  const rng = new RandomState(1);
  for (let trial = 0; trial < 3000; trial++) {
    const bad = good.slice();
    const flips = 1 + rng.randomInterval(3);
    for (let k = 0; k < flips; k++) bad[rng.randomInterval(bad.length - 1)] = rng.randomInterval(255);
    check(bad);
  }
});

test('encode rejects inconsistent input', () => {
  const f = Float32Array.from([1, 2]);
  assert.throws(() => encodeSafetensors({ x: { dtype: 'F32', shape: [3], data: f } }), /shape \[3\] has 3 elements but data has 2/);
  assert.throws(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [2], data: f } }), /invalid tensor name/);
  // @ts-expect-error deliberately wrong array type
  assert.throws(() => encodeSafetensors({ x: { dtype: 'I32', shape: [2], data: f } }), /not a Int32Array/);
  // @ts-expect-error F16 is read-only
  assert.throws(() => encodeSafetensors({ x: { dtype: 'F16', shape: [2], data: f } }), /cannot write dtype "F16"/);
  // @ts-expect-error metadata values must be strings
  assert.throws(() => encodeSafetensors({}, { n: 1 }), /metadata "n" is not a string/);
});

test('writeFileAtomic / readSafetensorsFile round trip, replace, and errors name the path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'safetensors-test-'));
  try {
    const path = join(dir, 'ckpt.safetensors');
    await writeSafetensorsFile(path, { a: SAMPLE.scalar }, { v: '1' });
    await writeSafetensorsFile(path, { b: SAMPLE['synthesis.b4.const'] }, { v: '2' });
    const back = await readSafetensorsFile(path);
    assert.deepEqual(back.metadata, { v: '2' });
    assert.deepEqual(Object.keys(back.tensors), ['b']);
    assert.deepEqual(await readdir(dir), ['ckpt.safetensors'], 'no temp files left behind');

    await writeFileAtomic(join(dir, 'raw.bin'), Uint8Array.from([1, 2, 3]));
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'raw.bin'))), Uint8Array.from([1, 2, 3]));

    const missing = join(dir, 'missing.safetensors');
    await assert.rejects(readSafetensorsFile(missing), (e: Error) => e.message.startsWith(`${missing}: cannot read: `));
    const corrupt = join(dir, 'corrupt.safetensors');
    await writeFile(corrupt, new Uint8Array(3));
    await assert.rejects(readSafetensorsFile(corrupt), (e: Error) => e.message === `${corrupt}: truncated file: 3 bytes, need at least 8 for the header length`);

    const noDir = join(dir, 'nope', 'x.bin');
    await assert.rejects(writeFileAtomic(noDir, new Uint8Array(1)), (e: Error) => e.message.startsWith(`${noDir}: atomic write failed`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('decoding a Node Buffer (fs.readFileSync) gives each tensor its own data, not the whole file', () => {
  const file = encodeSafetensors({
    a: { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) },
    b: { dtype: 'F32', shape: [3], data: Float32Array.of(3, 4, 5) },
  });
  const back = decodeSafetensors(Buffer.from(file), 'buf.safetensors');
  assert.deepEqual(back.tensors.a.data, Float32Array.of(1, 2));
  assert.deepEqual(back.tensors.b.data, Float32Array.of(3, 4, 5));
});
