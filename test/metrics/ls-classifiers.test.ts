/**
 * ls with attribute classifiers: a D_basic network pickle as NVIDIA's celebahq-classifier-*.pkl
 * (fixtures/ls-classifier.pkl, random weights, written by make_ls_classifier.py) read into our
 * Discriminator, box downsampling, and `stylegan metrics --metrics ls` end to end.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setup } from '../helpers.js';
import { runCli } from '../cli/cli.js';
import { unpickle } from '../../src/io/pickle.js';
import { STYLEGAN_TF_HANDLERS, readNetwork } from '../../src/io/import-stylegan-tf.js';
import { CELEBAHQ_ATTRIBUTES, classifierFileName, classifierFiles, readClassifier, toClassifierResolution } from '../../src/metrics/classifiers.js';
import { MissingWeightsError } from '../../src/metrics/weights.js';

test.before(setup);

const PKL = new URL('./fixtures/ls-classifier.pkl', import.meta.url);
const bytes = () => Uint8Array.from(fs.readFileSync(PKL));
const TF_NET = new URL('../fixtures/stylegan-tf-tiny/network.pkl', import.meta.url);

test('a D_basic classifier pickle runs as our Discriminator with one logit per image', () => {
  const c = readClassifier(bytes(), 'ls-classifier.pkl');
  try {
    assert.equal(c.resolution, 64);
    assert.equal(c.D.cfg.channelBase, 1024);
    assert.equal(c.D.cfg.channelMax, 32);
    // Weights land unchanged (HWIO in TF and here): compare one conv with the pickled variable.
    const net = readNetwork(unpickle(bytes(), 'x', { handlers: STYLEGAN_TF_HANDLERS }), 'classifier', 'x');
    const tfW = net.variables.get('8x8/Conv0/weight')!;
    const ours = c.D.store.get('b8.conv0.weight').dataSync();
    assert.deepEqual(Array.from(ours.slice(0, 20)), Array.from(tfW.data.slice(0, 20) as Float32Array, (v) => Math.fround(Number(v))));
    const out = tf.tidy(() => c.D.forward(tf.randomNormal([4, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D));
    assert.deepEqual(out.shape, [4, 1]);
    assert.ok(Array.from(out.dataSync()).every(Number.isFinite));
    out.dispose();
  } finally {
    c.dispose();
  }
});

test('other build functions and labelled networks are refused by name', () => {
  const b = bytes();
  const s = Buffer.from(b).toString('latin1');
  const other = Buffer.from(s.replace('D_basic', 'D_paper'), 'latin1');
  assert.throws(() => readClassifier(Uint8Array.from(other), 'c.pkl'), /c\.pkl: classifier was built by D_paper, expected D_basic/);
  // The stylegan (G, D, Gs) tuple is not a classifier.
  assert.throws(() => readClassifier(Uint8Array.from(fs.readFileSync(TF_NET)), 'net.pkl'), /net\.pkl: classifier is not a dnnlib\.tflib\.network\.Network/);
});

test('box downsampling to the classifier resolution, as the reference (mean of f x f blocks)', () => {
  const x = tf.tensor4d(Float32Array.from({ length: 4 * 4 * 2 }, (_, i) => i), [1, 4, 4, 2]);
  const y = toClassifierResolution(x, 2);
  // Channel 0 of the top-left block: pixels (0,0),(0,1),(1,0),(1,1) = values 0, 2, 8, 10.
  assert.deepEqual(Array.from(y.dataSync()), [5, 6, 9, 10, 21, 22, 25, 26]);
  assert.throws(() => toClassifierResolution(x, 8), /cannot be box-downsampled/);
  tf.dispose([x, y]);
});

test('classifier folder: all 40 files by NVIDIA\'s names, or one line naming the missing ones', () => {
  assert.equal(CELEBAHQ_ATTRIBUTES.length, 40);
  assert.equal(classifierFileName(0), 'celebahq-classifier-00-male.pkl');
  assert.equal(classifierFileName(39), 'celebahq-classifier-39-wearing-necktie.pkl');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ls-cls-'));
  fs.copyFileSync(PKL, path.join(dir, classifierFileName(1)));
  assert.throws(() => classifierFiles(dir), (e: Error) => e instanceof MissingWeightsError
    && /lacks celebahq-classifier-00-male\.pkl, celebahq-classifier-02-attractive\.pkl, celebahq-classifier-03-wavy-hair\.pkl and 36 more/.test(e.message)
    && !e.message.includes('\n'));
  fs.rmSync(dir, { recursive: true });
});

test('stylegan metrics --metrics ls --num 16 end to end (128 px TF generator, 64 px classifiers)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ls-cli-'));
  const cls = path.join(dir, 'classifiers');
  fs.mkdirSync(cls);
  for (let i = 0; i < 40; i++) fs.copyFileSync(PKL, path.join(cls, classifierFileName(i)));
  const args = ['metrics', '--network', TF_NET.pathname, '--metrics', 'ls', '--classifiers', cls, '--num', '16', '--outdir', dir];
  const r = await runCli(args);
  assert.equal(r.code, 0, r.stderr);
  const z = Number(/^ls_z (\S+)$/m.exec(r.stdout)![1]);
  const w = Number(/^ls_w (\S+)$/m.exec(r.stdout)![1]);
  // 2^(sum of 40 entropies of at most 1 bit each).
  for (const v of [z, w]) assert.ok(v >= 1 && v <= 2 ** 40, `${v}`);
  const rec = JSON.parse(fs.readFileSync(path.join(dir, 'metric-ls.jsonl'), 'utf8').trim());
  assert.deepEqual(Object.keys(rec.results).sort(), ['ls_w', 'ls_z']);
  // The same seed gives the same numbers.
  const again = await runCli(args);
  assert.equal(again.stdout, r.stdout);
  // Without --classifiers: one line saying which files and where NVIDIA publishes them.
  const missing = await runCli(['metrics', '--network', TF_NET.pathname, '--metrics', 'ls']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /celebahq-classifier-00-male\.pkl .*NVlabs\/stylegan metrics\/linear_separability\.py/);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  fs.rmSync(dir, { recursive: true });
});
