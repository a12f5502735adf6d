/** torch.save state dicts (zip and legacy formats) read as metric weights. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readWeightFile } from '../../src/metrics/weights.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

for (const name of ['state-zip.pth', 'state-legacy.pth']) {
  test(`${name}: float tensors with shapes, strided views and offsets; int tensors dropped`, () => {
    const w = readWeightFile(fixture(name));
    assert.deepEqual([...w.keys()], ['conv.weight', 'fc.weight_t', 'fc.bias', 'half']);
    const conv = w.get('conv.weight')!;
    assert.deepEqual(conv.shape, [2, 3, 2, 2]);
    assert.deepEqual(Array.from(conv.data), Array.from({ length: 24 }, (_, i) => i * 0.5 - 3));
    // [3, 2] view with strides [1, 3] of storage 10..15: row i = (10 + i, 13 + i).
    assert.deepEqual(Array.from(w.get('fc.weight_t')!.data), [10, 13, 11, 14, 12, 15]);
    assert.deepEqual(Array.from(w.get('fc.bias')!.data), [14, 15]);
    assert.deepEqual(Array.from(w.get('half')!.data), [1.5, -2.25, 65504]);
  });
}
