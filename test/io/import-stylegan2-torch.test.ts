/**
 * The torch handlers on hand-made data: a nested torch.save blob in the zip format (newer
 * torch), dtype conversions, strided and offset views, and refusals naming what is wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zipSync } from 'fflate';
import { TorchStorage, TorchTensor, loadTorchSaveStorage, tensorToFloat32 } from '../../src/io/torch.js';

const enc = new TextEncoder();
/** BINUNICODE of a str. */
function str(s: string): number[] {
  const b = enc.encode(s), n = b.length;
  return [0x58, n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24, ...b];
}
/** Protocol 2: persistent id ('storage', torch.<type>, key, 'cpu', numel) via BINPERSID. */
function storagePickle(type: string, key: string, numel: number): Uint8Array {
  return Uint8Array.from([0x80, 2, 0x28, ...str('storage'), 0x63, ...enc.encode(`torch\n${type}\n`), ...str(key), ...str('cpu'), 0x4b, numel, 0x74, 0x51, 0x2e]);
}

test('a nested torch.save blob in the zip format gives its storage', () => {
  const data = new Uint8Array(Float32Array.of(1.5, -2, 3.25).buffer);
  const blob = zipSync({ 'archive/data.pkl': storagePickle('FloatStorage', '0', 3), 'archive/data/0': data, 'archive/version': enc.encode('3\n') });
  const s = loadTorchSaveStorage(blob, 'zip');
  assert.equal(s.dtype, 'float32');
  assert.deepEqual([...tensorToFloat32(new TorchTensor(s, 0, [3], [1]))], [1.5, -2, 3.25]);
  const bad = zipSync({ 'archive/data.pkl': storagePickle('FloatStorage', '0', 4), 'archive/data/0': data });
  assert.throws(() => loadTorchSaveStorage(bad, 'zip'), /lacks data for storage 0/);
  const evil = zipSync({ 'archive/data.pkl': storagePickle('UntypedStorageX', '0', 3), 'archive/data/0': data });
  assert.throws(() => loadTorchSaveStorage(evil, 'zip'), /disallowed global torch\.UntypedStorageX/);
});

test('half, bfloat16 and double storages read as float32; strided and offset views in C order', () => {
  const half = new TorchStorage('float16', 2, 2);
  half.bytes = new Uint8Array(Uint16Array.of(0x3c00, 0xc000).buffer); // 1, -2
  assert.deepEqual([...tensorToFloat32(new TorchTensor(half, 0, [2], [1]))], [1, -2]);
  const bf = new TorchStorage('bfloat16', 2, 1);
  bf.bytes = new Uint8Array(Uint16Array.of(0x4040).buffer); // 3
  assert.deepEqual([...tensorToFloat32(new TorchTensor(bf, 0, [1], [1]))], [3]);
  const dbl = new TorchStorage('float64', 8, 7);
  dbl.bytes = new Uint8Array(Float64Array.of(9, 0, 1, 2, 3, 4, 5).buffer);
  assert.deepEqual([...tensorToFloat32(new TorchTensor(dbl, 1, [2, 3], [3, 1]))], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...tensorToFloat32(new TorchTensor(dbl, 1, [3, 2], [1, 3]))], [0, 3, 1, 4, 2, 5]);
  const ints = new TorchStorage('int64', 8, 1);
  ints.bytes = new Uint8Array(8);
  assert.throws(() => tensorToFloat32(new TorchTensor(ints, 0, [1], [1])), /int64 where floats were expected/);
});
