/** Safe unpickler: opcode coverage against CPython/numpy output, and hostile or broken input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PickleError, PyObject, unpickle, type UnpickleOptions } from '../../src/io/pickle.js';
import { BUILTIN_HANDLERS, DILL_HANDLERS, NUMPY_HANDLERS, halfToFloat, isNdArray } from '../../src/io/pickle-numpy.js';
import { isModuleRecord, torchHandlers } from '../../src/io/torch.js';

// Made once with CPython 3 + numpy 2: pickle.dumps(obj, protocol=P) for the objects checked below.
const vectors = JSON.parse(readFileSync(new URL('../fixtures/pickle-vectors.json', import.meta.url), 'utf8')) as {
  builtins: Record<string, string>; numpy: Record<string, string>;
};
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const opts: UnpickleOptions = { handlers: { ...NUMPY_HANDLERS, ...BUILTIN_HANDLERS } };
const load = (b: Uint8Array, o = opts) => unpickle(b, 'test.pkl', o);

test('builtins round-trip for protocols 0-5', () => {
  for (const [p, h] of Object.entries(vectors.builtins)) {
    const v = load(hex(h)) as Map<string, unknown>;
    assert.ok(v instanceof Map, `protocol ${p}`);
    assert.deepEqual(v.get('ints'), [0, 255, 65535, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, 2n ** 70n, -(2n ** 70n)], `protocol ${p}`);
    assert.deepEqual(v.get('f'), [1.5, -0, 1e300]);
    assert.ok(Object.is((v.get('f') as number[])[1], -0));
    assert.deepEqual(v.get('s'), ['', 'héllo', '€€€'], `protocol ${p}`);
    assert.deepEqual([...(v.get('b') as Uint8Array)], [0, 255, 97, 98], `protocol ${p}`);
    assert.deepEqual([...(v.get('ba') as Uint8Array)], [120, 121, 122], `protocol ${p}`);
    assert.deepEqual(v.get('t'), [1, [2, 3], []]);
    assert.deepEqual(v.get('set'), new Set([1, 2]));
    assert.deepEqual(v.get('fs'), new Set([3]));
    assert.equal(v.get('n'), null);
    assert.deepEqual(v.get('bools'), [true, false]);
    assert.deepEqual(v.get('od'), new Map([['x', 1], ['y', 2]]));
    const shared = v.get('shared') as unknown[][];
    assert.equal(shared[0], shared[1], `memo keeps identity (protocol ${p})`);
  }
});

test('numpy arrays: float16, big-endian, Fortran order, ints, bool, scalars, empty', () => {
  for (const [p, h] of Object.entries(vectors.numpy)) {
    const v = load(hex(h)) as Map<string, unknown>;
    const arr = (k: string) => { const a = v.get(k); assert.ok(isNdArray(a), `${k} (protocol ${p})`); return a; };
    const f16 = arr('f16');
    assert.equal(f16.dtype, 'float32');
    assert.deepEqual(f16.shape, [2, 2]);
    assert.deepEqual([...f16.data], [1, -2.5, 65504, 2 ** -24]);
    const be = arr('f64be');
    assert.ok(be.data instanceof Float64Array);
    assert.deepEqual([be.shape, [...be.data]], [[2, 3], [0, 1, 2, 3, 4, 5]]);
    const fort = arr('fort');
    assert.deepEqual([fort.shape, [...fort.data]], [[2, 3, 4], Array.from({ length: 24 }, (_, i) => i)]);
    assert.deepEqual([...arr('i8').data], [-1n, 2n ** 40n]);
    assert.deepEqual([arr('bool').dtype, [...arr('bool').data]], ['bool', [1, 0]]);
    assert.deepEqual([...arr('i32').data], [-7]);
    assert.deepEqual([...arr('u8').data], [0, 1, 2, 3, 4]);
    assert.equal(v.get('scalar'), 3.25);
    assert.deepEqual([arr('empty').shape, arr('empty').data.length], [[0, 3], 0]);
  }
});

test('halfToFloat handles subnormals, infinities and NaN', () => {
  const out = halfToFloat(Uint16Array.of(0x0001, 0x7c00, 0xfc00, 0x7e00, 0x8000, 0x3555));
  assert.deepEqual([...out.slice(0, 3)], [2 ** -24, Infinity, -Infinity]);
  assert.ok(Number.isNaN(out[3]) && Object.is(out[4], -0));
  assert.ok(Math.abs(out[5] - 1 / 3) < 1e-3);
});

test('refuses disallowed globals (GLOBAL and STACK_GLOBAL) without running anything', () => {
  // protocol 2: c os\nsystem\n, ('echo pwned',), REDUCE, STOP
  const enc = (s: string) => [...Buffer.from(s, 'latin1')];
  const glob = Uint8Array.from([0x80, 2, 0x63, ...enc('os\nsystem\n'), 0x58, 10, 0, 0, 0, ...enc('echo pwned'), 0x85, 0x52, 0x2e]);
  assert.throws(() => load(glob), (e: Error) => e instanceof PickleError
    && e.message === 'Refusing to load test.pkl: pickle references disallowed global os.system (byte 2)');
  // protocol 4: STACK_GLOBAL builtins.eval
  const stack = Uint8Array.from([0x80, 4, 0x8c, 8, ...enc('builtins'), 0x8c, 4, ...enc('eval'), 0x93, 0x8c, 1, 0x31, 0x85, 0x52, 0x2e]);
  assert.throws(() => load(stack), /Refusing to load test\.pkl: pickle references disallowed global builtins\.eval/);
  // Inherited object keys are no way around the allow-list.
  const proto = Uint8Array.from([0x80, 2, 0x63, ...enc('__proto__\nconstructor\n'), 0x2e]);
  assert.throws(() => load(proto), /disallowed global __proto__\.constructor/);
  // Allowed globals still need the right arguments.
  const badCodec = Uint8Array.from([0x80, 2, 0x63, ...enc('_codecs\nencode\n'), 0x58, 1, 0, 0, 0, 0x41, 0x58, 5, 0, 0, 0, ...enc('utf-8'), 0x86, 0x52, 0x2e]);
  assert.throws(() => load(badCodec), /Cannot read test\.pkl: _codecs\.encode is allowed only for latin1 bytes at byte \d+/);
});

test('allowed globals without a constructor become plain records; BUILD sets their state', () => {
  const enc = (s: string) => [...Buffer.from(s, 'latin1')];
  // c m\nK\n ) NEWOBJ } 'a' 1 SETITEM BUILD STOP
  const b = Uint8Array.from([0x80, 2, 0x63, ...enc('m\nK\n'), 0x29, 0x81, 0x7d, 0x58, 1, 0, 0, 0, 0x61, 0x4b, 1, 0x73, 0x62, 0x2e]);
  const v = load(b, { handlers: { 'm.K': {} } });
  assert.ok(v instanceof PyObject);
  assert.equal(v.module + '.' + v.name, 'm.K');
  assert.deepEqual(v.state, new Map([['a', 1]]));
});

test('persistent ids need a loader', () => {
  const b = Uint8Array.from([0x80, 2, 0x4b, 7, 0x51, 0x2e]);
  assert.throws(() => load(b), /persistent id found but no persistent loader was given at byte 4/);
  assert.deepEqual(load(b, { ...opts, persistentLoad: (pid) => ({ pid }) }), { pid: 7 });
});

test('malformed input fails with one line naming the source and the offset', () => {
  const cases: Array<[number[], RegExp]> = [
    [[0x80, 2], /truncated pickle \(no STOP opcode\) at byte 2/],
    [[0x80, 2, 0xff], /bad opcode 0xff at byte 2/],
    [[0x80, 9, 0x2e], /unsupported pickle protocol 9 at byte 0/],
    [[0x80, 2, 0x2e], /stack underflow at byte 2/],
    [[0x80, 2, 0x30, 0x2e], /stack underflow at byte 2/],
    [[0x80, 2, 0x68, 3, 0x2e], /memo key 3 was never stored at byte 2/],
    [[0x80, 2, 0x74, 0x2e], /no MARK on the stack at byte 2/],
    [[0x80, 2, 0x58, 0xff, 0xff, 0xff, 0xff, 0x2e], /truncated pickle \(data needs 4294967295 bytes, 1 left\) at byte 2/],
    [[0x80, 4, 0x8e, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x2e], /truncated pickle \(length 1152921504606846976 but 1 bytes left\) at byte 2/],
    [[0x80, 4, 0x95, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x2e], /truncated pickle \(length 255 but 1 bytes left\) at byte 2/],
    [[0x80, 2, 0x8b, 0xff, 0xff, 0xff, 0xff, 0x2e], /negative LONG4 length at byte 2/],
    [[0x80, 2, 0x4b, 1, 0x52, 0x2e], /REDUCE arguments are not a tuple at byte 4/],
    [[0x80, 2, 0x29, 0x52, 0x2e], /stack underflow at byte 3/],
    [[0x80, 2, 0x4b, 1, 0x29, 0x52, 0x2e], /REDUCE on a non-class value at byte 5/],
    [[0x80, 2, 0x29, 0x4b, 1, 0x61, 0x2e], /APPEND on a value that is not a list at byte 5/],
    [[0x80, 2, 0x4b, 1, 0x4b, 1, 0x4b, 1, 0x73, 0x2e], /SETITEM on a value that is not a dict at byte 8/],
    [[0x80, 2, 0x4b, 1, 0x4b, 1, 0x62, 0x2e], /BUILD on a value that takes no state at byte 6/],
    [[0x80, 5, 0x97, 0x2e], /out-of-band buffers/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(() => load(Uint8Array.from(bytes)), (e: Error) => {
      assert.ok(e instanceof PickleError, e.message);
      assert.match(e.message, /^Cannot read test\.pkl: /);
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  }
});

test('every truncation and every single-byte corruption of a numpy pickle fails cleanly', () => {
  const whole = hex(vectors.numpy['4']);
  for (let n = 0; n < whole.length; n++) {
    assert.throws(() => load(whole.subarray(0, n)), PickleError, `prefix ${n}`);
  }
  for (let i = 0; i < whole.length; i++) {
    for (const x of [0x00, 0xff, 0x52, 0x62]) {
      const b = whole.slice();
      b[i] = x;
      try { load(b); } catch (e) { assert.ok(e instanceof PickleError, `byte ${i} = ${x}: ${String(e)}`); }
    }
  }
});

test('dill._dill._create_array: f(*args) then __setstate__(state), only with numpy _reconstruct', () => {
  const enc = (s: string) => [...Buffer.from(s, 'latin1')];
  const g = (m: string, n: string) => [0x63, ...enc(`${m}\n${n}\n`)];
  // (ndarray, (0,), b'b') and (1, (2,), dtype('<i8'), False, 16 bytes), as dill writes an int64 array.
  const fArgs = [0x28, ...g('numpy', 'ndarray'), 0x4b, 0, 0x85, 0x43, 1, 0x62, 0x74];
  const dtype = [...g('numpy', 'dtype'), 0x55, 2, ...enc('i8'), 0x89, 0x88, 0x87, 0x52,
    0x28, 0x4b, 3, 0x55, 1, ...enc('<'), 0x4e, 0x4e, 0x4e, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4b, 0, 0x74, 0x62];
  const data = [5, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
  const state = [0x28, 0x4b, 1, 0x4b, 2, 0x85, ...dtype, 0x89, 0x43, 16, ...data, 0x74];
  const make = (f: number[], npdict: number[]) =>
    Uint8Array.from([0x80, 2, ...g('dill._dill', '_create_array'), 0x28, ...f, ...fArgs, ...state, ...npdict, 0x74, 0x52, 0x2e]);
  const o: UnpickleOptions = { handlers: { ...NUMPY_HANDLERS, ...DILL_HANDLERS } };
  const a = load(make(g('numpy.core.multiarray', '_reconstruct'), [0x4e]), o);
  assert.ok(isNdArray(a));
  assert.deepEqual([a.dtype, a.shape, [...a.data]], ['int64', [2], [5n, -1n]]);
  assert.throws(() => load(make(g('numpy', 'dtype'), [0x4e]), o), /^PickleError: Cannot read test\.pkl: dill _create_array with a function other than numpy _reconstruct at byte \d+$/);
  assert.throws(() => load(make(g('numpy.core.multiarray', '_reconstruct'), [0x7d, 0x4b, 1, 0x4b, 1, 0x73]), o), /dill _create_array with array attributes \(npdict\) is not supported/);
  // Not on the default numpy allow-list: only readers that ask for dill get it.
  assert.throws(() => load(make(g('numpy.core.multiarray', '_reconstruct'), [0x4e])), /disallowed global dill\._dill\._create_array/);
});

test('an ordinary torch.nn.Embedding (default reduction) becomes a module record; other torch.nn classes are refused', () => {
  const enc = (s: string) => [...Buffer.from(s, 'latin1')];
  const g = (m: string, n: string) => [0x63, ...enc(`${m}\n${n}\n`)];
  const h = torchHandlers('test.pkl');
  const state = [0x7d, 0x28, 0x55, 14, ...enc('num_embeddings'), 0x4b, 3, 0x55, 13, ...enc('embedding_dim'), 0x4b, 2, 0x75];
  const emb = Uint8Array.from([0x80, 2, ...g('torch.nn.modules.sparse', 'Embedding'), 0x29, 0x81, ...state, 0x62, 0x2e]);
  const v = load(emb, { handlers: h });
  assert.ok(isModuleRecord(v));
  assert.equal(v.className, 'torch.nn.modules.sparse.Embedding');
  assert.deepEqual([v.state.num_embeddings, v.state.embedding_dim], [3, 2]);
  const withArgs = Uint8Array.from([0x80, 2, ...g('torch.nn.modules.sparse', 'Embedding'), 0x4b, 1, 0x85, 0x81, 0x2e]);
  assert.throws(() => load(withArgs, { handlers: h }), /torch\.nn\.modules\.sparse\.Embedding with constructor arguments/);
  const twice = Uint8Array.from([0x80, 2, ...g('torch.nn.modules.sparse', 'Embedding'), 0x29, 0x81, ...state, 0x62, ...state, 0x62, 0x2e]);
  assert.throws(() => load(twice, { handlers: h }), /state applied twice/);
  const linear = Uint8Array.from([0x80, 2, ...g('torch.nn.modules.linear', 'Linear'), 0x29, 0x81, 0x2e]);
  assert.throws(() => load(linear, { handlers: h }), /disallowed global torch\.nn\.modules\.linear\.Linear/);
});
