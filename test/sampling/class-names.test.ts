/** Class names for the playground's class picker: plain lines and StyleGAN-XL's idx2labels dict. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkClassNames, parseClassNames } from '../../src/sampling/class-names.js';

test('one name per line, or the idx2labels dict literal; too few or out of order is an error naming the line', () => {
  assert.deepEqual(parseClassNames('cat\ndog\r\nbird\n\n', 'l.txt', 3), ['cat', 'dog', 'bird']);
  assert.deepEqual(parseClassNames('a\nb\nc', 'l.txt', 2), ['a', 'b']);
  const xl = "{0: 'tench, Tinca tinca',\n 1: 'goldfish, Carassius auratus',\n 2: \"jack-o'-lantern\"}\n";
  assert.deepEqual(parseClassNames(xl, 'idx2labels.txt', 3), ['tench, Tinca tinca', 'goldfish, Carassius auratus', "jack-o'-lantern"]);
  assert.throws(() => parseClassNames('a\nb', 'l.txt', 3), /^Error: l\.txt: 2 class names for a network with 3 classes$/);
  assert.throws(() => parseClassNames("{0: 'a',\n 2: 'c'}", 'd.txt', 2), /^Error: d\.txt:2: class 2 out of order \(expected 1\)$/);
  assert.throws(() => parseClassNames("{0: 'a',\n oops\n", 'd.txt', 1), /^Error: d\.txt:2: expected "N: 'name',"$/);
});

test('networkClassNames: the names a --cond network keeps (serve\'s default class picker), only when there is one per class', () => {
  assert.deepEqual(networkClassNames({ cDim: 2, classNames: ['faces', 'flags'] }), ['faces', 'flags']);
  assert.equal(networkClassNames({ cDim: 3, classNames: ['faces', 'flags'] }), undefined);
  assert.equal(networkClassNames({ cDim: 0, classNames: [] }), undefined);
  assert.equal(networkClassNames({ cDim: 2 }), undefined);
  assert.equal(networkClassNames({ cDim: 2, classNames: ['a', 7] }), undefined);
});
