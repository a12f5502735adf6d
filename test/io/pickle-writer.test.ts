/** The pickle writer, read back by our unpickler: every value kind it writes, batching, numpy arrays. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyFloat, PyFloat32Array, PyInstance, PyTuple, pickle, pyDict } from '../../src/io/pickle-writer.js';
import { PyObject, unpickle } from '../../src/io/pickle.js';
import { NUMPY_HANDLERS, isNdArray } from '../../src/io/pickle-numpy.js';

const read = (b: Uint8Array) => unpickle(b, 'w.pkl', { handlers: { ...NUMPY_HANDLERS, 'm.C': {} } });

test('scalars, strings, bytes and containers come back as written', () => {
  const ints = [0, 1, 255, 256, -1, -129, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 3, -(2 ** 52)];
  assert.deepEqual(read(pickle(ints)), ints);
  assert.deepEqual(read(pickle([0.5, -1e-300, 0.01, new PyFloat(2), Infinity])), [0.5, -1e-300, 0.01, 2, Infinity]);
  assert.deepEqual(read(pickle([null, true, false, 'façade ✓', ''])), [null, true, false, 'façade ✓', '']);
  const long = Uint8Array.from({ length: 300 }, (_, i) => i & 255);
  assert.deepEqual(read(pickle([Uint8Array.of(1, 2), long])), [Uint8Array.of(1, 2), long]);
  const many = Array.from({ length: 2500 }, (_, i) => i);
  assert.deepEqual(read(pickle(many)), many); // APPENDS in batches of 1000
  const tuples = read(pickle([new PyTuple([]), new PyTuple([1]), new PyTuple([1, 2, 3]), new PyTuple([1, 2, 3, 4, 5])]));
  assert.deepEqual(tuples, [[], [1], [1, 2, 3], [1, 2, 3, 4, 5]]);
  assert.ok(Object.isFrozen((tuples as unknown[])[2])); // tuples, not lists
  const d = read(pickle(pyDict({ a: 1, b: pyDict({ c: [2] }), skipped: undefined }))) as Map<string, unknown>;
  assert.deepEqual([...d.keys()], ['a', 'b']);
  assert.deepEqual((d.get('b') as Map<string, unknown>).get('c'), [2]);
});

test('float32 arrays pickle as numpy _reconstruct + setstate, any rank including 0-d', () => {
  for (const shape of [[], [3], [2, 3], [1, 2, 1, 2]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => i * 0.25 - 1.1);
    const a = read(pickle(new PyFloat32Array(shape, data)));
    assert.ok(isNdArray(a));
    assert.equal(a.dtype, 'float32');
    assert.deepEqual(a.shape, shape);
    assert.deepEqual(Array.from(a.data as Float32Array), Array.from(data));
  }
  assert.throws(() => pickle(new PyFloat32Array([2, 2], new Float32Array(3))), /array of shape \[2,2\] has 3 values/);
});

test('instances are cls.__new__(cls) + BUILD(state)', () => {
  const o = read(pickle(new PyInstance('m', 'C', pyDict({ x: 1 }))));
  assert.ok(o instanceof PyObject && o.module === 'm' && o.name === 'C');
  assert.deepEqual([...(o.state as Map<string, unknown>)], [['x', 1]]);
});
