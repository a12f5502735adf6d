/** `stylegan metrics` end to end on a tiny checkpoint and tiny image folders. */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setup, tinyConfig, testRandom } from '../helpers.js';
import { runCli, ROOT } from '../cli/cli.js';
import { Generator } from '../../src/networks/stylegan/generator.js';
import { encodeSnapshot } from '../../src/io/snapshot.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { writePng } from '../../src/data/grid.js';
import { InceptionV3 } from '../../src/metrics/inception.js';
import { HashWeights } from './hash-weights.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

let dir = '', net = '', data = '', other = '';
let vggWritten: Promise<string> | undefined;

/** LPIPS-VGG16 hashed weights written once as .safetensors. */
function vggFile(): Promise<string> {
  vggWritten ??= (async () => {
    const { Vgg16 } = await import('../../src/metrics/vgg16.js');
    const hw = new HashWeights();
    new Vgg16(hw, 'hash').dispose();
    const file = path.join(dir, 'vgg16.safetensors');
    const tensors = Object.fromEntries([...hw.made].map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: t.data }]));
    fs.writeFileSync(file, encodeSafetensors(tensors));
    return file;
  })();
  return vggWritten;
}

async function imageFolder(p: string, n: number, seed: number): Promise<void> {
  fs.mkdirSync(p, { recursive: true });
  const rnd = testRandom(seed);
  for (let i = 0; i < n; i++) {
    const base = [rnd() * 255, rnd() * 255, rnd() * 255];
    const rgb = Uint8Array.from({ length: 16 * 16 * 3 }, (_, k) => Math.min(255, base[k % 3] * 0.7 + rnd() * 80));
    await writePng(path.join(p, `img${String(i).padStart(3, '0')}.png`), rgb, 16, 16);
  }
}

test.before(async () => {
  await setup();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-metrics-'));
  const G = new Generator(tinyConfig(), testRandom(1));
  net = path.join(dir, 'run', 'network-snapshot-000000.safetensors');
  fs.mkdirSync(path.dirname(net));
  fs.writeFileSync(net, encodeSnapshot({ config: G.cfg, modules: { G_ema: G.store.toRaw() } }));
  G.dispose();
  data = path.join(dir, 'data');
  other = path.join(dir, 'other');
  await imageFolder(data, 64, 2);
  await imageFolder(other, 40, 3);
});
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('metrics --metrics swd --num 64 prints NAME VALUE lines and appends metric-swd.jsonl', async () => {
  const r = await runCli(['metrics', '--network', net, '--data', data, '--metrics', 'swd', '--num', '64', '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.split(' ')[0]), ['swd', 'swd_16']);
  const swd = Number(lines[0].split(' ')[1]);
  assert.ok(Number.isFinite(swd) && swd > 0, r.stdout);
  const jsonl = fs.readFileSync(path.join(dir, 'run', 'metric-swd.jsonl'), 'utf8').trim().split('\n');
  assert.equal(jsonl.length, 1);
  const rec = JSON.parse(jsonl[0]);
  assert.deepEqual(Object.keys(rec).sort(), ['metric', 'num', 'num_gpus', 'results', 'snapshot_pkl', 'timestamp', 'total_time', 'total_time_str']);
  assert.equal(rec.metric, 'swd');
  assert.equal(rec.num_gpus, 1);
  assert.equal(rec.num, 64);
  assert.equal(rec.snapshot_pkl, 'network-snapshot-000000.safetensors');
  assert.equal(rec.results.swd, swd);
});

test('metrics --real compares two image folders and writes to --outdir', async () => {
  const outdir = path.join(dir, 'real-out');
  const r = await runCli(['metrics', '--real', other, '--data', data, '--metrics', 'swd', '--num', '32', '--outdir', outdir, '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  const swd = Number(/^swd (\S+)$/m.exec(r.stdout)![1]);
  assert.ok(swd > 0);
  assert.equal(JSON.parse(fs.readFileSync(path.join(outdir, 'metric-swd.jsonl'), 'utf8')).snapshot_pkl, null);
});

test('missing weights and unsupported metrics: one line, non-zero, nothing computed', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--metrics', 'fid50k_full'], /fid50k_full needs the FID Inception-v3 weights: pass --inception FILE/],
    [['--metrics', 'swd,kid50k_full'], /kid50k_full needs the FID Inception-v3 weights/],
    [['--metrics', 'ppl2_wend'], /ppl2_wend needs the VGG16 weights: pass --vgg16 FILE/],
    [['--metrics', 'pr50k3_full'], /pr50k3_full needs the VGG16 weights/],
    [['--metrics', 'fid50k_full', '--inception', path.join(dir, 'nope.safetensors')], /weights file not found: .*nope\.safetensors/],
    [['--metrics', 'ls'], /ls needs NVIDIA's 40 CelebA-HQ attribute classifiers/],
    [['--metrics', 'fid1k'], /unknown metric 'fid1k'/],
  ];
  const runs = await Promise.all(cases.map(([args]) => runCli(['metrics', '--network', net, '--data', data, ...args])));
  for (const [i, [args, re]] of cases.entries()) {
    const r = runs[i];
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  }
  assert.ok(!fs.existsSync(path.join(dir, 'run', 'metric-fid50k_full.jsonl')));
});

test('kid50k_full --num 2 with an Inception weights file; real features come from the cache the second time; is50k', async () => {
  const hw = new HashWeights();
  new InceptionV3(hw, 'hash').dispose();
  const file = path.join(dir, 'inception.safetensors');
  const tensors = Object.fromEntries([...hw.made].map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: t.data }]));
  fs.writeFileSync(file, encodeSafetensors(tensors));
  const cache = path.join(dir, 'cache');
  const args = ['metrics', '--network', net, '--data', data, '--metrics', 'kid50k_full', '--num', '2', '--inception', file, '--cache', cache, '--batch', '2'];
  const first = await runCli(args, 300_000);
  assert.equal(first.code, 0, first.stderr);
  const kid = Number(/^kid50k_full (\S+)$/m.exec(first.stdout)![1]);
  assert.ok(Number.isFinite(kid));
  assert.equal(fs.readdirSync(cache).filter((f) => f.endsWith('.safetensors')).length, 1);
  const second = await runCli(args, 300_000);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /from cache \(2 images\)/);
  assert.equal(Number(/^kid50k_full (\S+)$/m.exec(second.stdout)![1]), kid);
  // Inception Score of 10 images (10 splits of 1): each split's KL is 0, so exactly 1 +- 0.
  const is = await runCli(['metrics', '--real', other, '--metrics', 'is50k', '--num', '10', '--inception', file, '--batch', '10', '--resolution', '16'], 300_000);
  assert.equal(is.code, 0, is.stderr);
  assert.match(is.stdout, /^is50k_mean 1\n/m);
  assert.match(is.stdout, /^is50k_std 0\n/m);
});

/** A small TF.js Layers model (conv + global average pool: 6 features) saved as model.json + weights.bin. */
async function saveFeatureNet(dirPath: string): Promise<string> {
  const model = tfl.sequential({ layers: [
    tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 6, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
    tfl.layers.globalAveragePooling2d({}),
  ] });
  fs.mkdirSync(dirPath, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (a) => {
    fs.writeFileSync(path.join(dirPath, 'weights.bin'), Buffer.from(a.weightData as ArrayBuffer));
    fs.writeFileSync(path.join(dirPath, 'model.json'), JSON.stringify({
      format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, modelTopology: a.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
    }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  return path.join(dirPath, 'model.json');
}

test('fid_custom on a user TF.js network: 0 for a folder against itself, and the CLI value equals an in-process FID', async () => {
  const { loadDataset } = await import('../../src/data/dataset.js');
  const { CustomFeatureNet } = await import('../../src/metrics/custom-features.js');
  const { FeatureStats } = await import('../../src/metrics/feature-stats.js');
  const { frechetDistance } = await import('../../src/metrics/frechet.js');
  const model = await saveFeatureNet(path.join(dir, 'featnet'));
  const base = ['metrics', '--data', data, '--metrics', 'fid_custom', '--feature-net', model, '--num', '40', '--cache', path.join(dir, 'cache2'), '--backend', 'wasm'];
  const self = await runCli([...base, '--real', data]);
  assert.equal(self.code, 0, self.stderr);
  assert.ok(Math.abs(Number(/^fid_custom (\S+)$/m.exec(self.stdout)![1])) < 1e-6, self.stdout);
  const r = await runCli([...base, '--real', other]);
  assert.equal(r.code, 0, r.stderr);
  const got = Number(/^fid_custom (\S+)$/m.exec(r.stdout)![1]);
  const fnet = await CustomFeatureNet.load(model, '0,1');
  const stats = async (p: string) => {
    const ds = await loadDataset({ path: p, resolution: 16, maxImages: 40 });
    const s = new FeatureStats(6, { captureMeanCov: true });
    const f = fnet.features(ds.images, ds.numImages, 16);
    s.append((await f.data()) as Float32Array);
    f.dispose();
    return s.meanCov();
  };
  const a = await stats(other), b = await stats(data);
  const want = frechetDistance(a.mean, a.cov, b.mean, b.cov);
  fnet.dispose();
  assert.ok(want > 1e-4, `FID ${want}`);
  assert.ok(Math.abs(got - want) < 1e-5 * want, `CLI ${got} vs in-process ${want}`);
  const missing = await runCli(['metrics', '--network', net, '--data', data, '--metrics', 'fid_custom']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /fid_custom needs a feature network: pass --feature-net model\.json/);
});

test('ppl2_wend --num 4 with a VGG16/LPIPS weights file (.safetensors)', async () => {
  const file = await vggFile();
  const r = await runCli(['metrics', '--network', net, '--metrics', 'ppl2_wend', '--num', '4', '--vgg16', file, '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  const ppl = Number(/^ppl2_wend (\S+)$/m.exec(r.stdout)![1]);
  assert.ok(Number.isFinite(ppl) && ppl > 0, r.stdout);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'run', 'metric-ppl2_wend.jsonl'), 'utf8')).results.ppl2_wend, ppl);
});

test('an official stylegan2-ada-pytorch pickle: swd and ppl2_wend run on it; no --data and no recorded data is one line', async () => {
  const pkl = path.join(ROOT, 'test', 'fixtures', 'stylegan2-ada-tiny', 'network.pkl');
  const outdir = path.join(dir, 'sg2');
  const r = await runCli(['metrics', '--network', pkl, '--data', data, '--metrics', 'swd', '--num', '16', '--outdir', outdir, '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split(' ')[0]), ['swd', 'swd_32', 'swd_16']);
  assert.equal(JSON.parse(fs.readFileSync(path.join(outdir, 'metric-swd.jsonl'), 'utf8')).snapshot_pkl, path.relative(outdir, pkl));
  const ppl = await runCli(['metrics', '--network', pkl, '--metrics', 'ppl2_wend', '--num', '4', '--vgg16', await vggFile(), '--outdir', outdir, '--backend', 'wasm']);
  assert.equal(ppl.code, 0, ppl.stderr);
  assert.ok(Number(/^ppl2_wend (\S+)$/m.exec(ppl.stdout)![1]) > 0, ppl.stdout);
  const noData = await runCli(['metrics', '--network', net, '--metrics', 'swd']);
  assert.equal(noData.code, 1);
  assert.match(noData.stderr, /swd compares with real images: pass --data PATH/);
  assert.equal(noData.stderr.trim().split('\n').length, 1);
});
