/**
 * Fuzzing the readers of untrusted files with mutations of the fixtures: safetensors
 * checkpoints, network pickles (stylegan2-ada torch, StyleGAN-XL's dill, original TF, TF StyleGAN2), torch.save files (zip and
 * legacy) and the image loader. Each must return or throw a one-line Error naming the file,
 * quickly and without allocating what a corrupted length field claims. CI budget: FUZZ_SECONDS
 * (default 3) per reader; `FUZZ_ITERATIONS=20000 npm test -- test/io/fuzz.test.ts` for a long run.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { zipSync } from 'fflate';
import { fuzz, type FuzzReport } from './fuzz.js';
import { decodeNetworkSnapshot, encodeSnapshot } from '../../src/io/snapshot.js';
import { importStyleGAN2 } from '../../src/io/import-stylegan2.js';
import { unpickle } from '../../src/io/pickle.js';
import { isModuleRecord, torchHandlers } from '../../src/io/torch.js';
import { isNdArray } from '../../src/io/pickle-numpy.js';
import { importStyleGANXL } from '../../src/io/import-stylegan-xl.js';
import { importStyleganTf, readStyleganTfPickle } from '../../src/io/import-stylegan-tf.js';
import { importStyleGAN2Tf } from '../../src/io/import-stylegan2-tf.js';
import { exportStyleGAN2Tf } from '../../src/io/export-stylegan2-tf.js';
import { defaultStyleGAN2Config } from '../../src/networks/stylegan2/config.js';
import { StyleGAN2Generator } from '../../src/networks/stylegan2/generator.js';
import { StyleGAN2Discriminator } from '../../src/networks/stylegan2/discriminator.js';
import { readTorchStateDict } from '../../src/metrics/torch-state-dict.js';
import { readImageRgb } from '../../src/data/grid.js';
import { loadDataset } from '../../src/data/dataset.js';
import { setup, testRandom, tinyConfig } from '../helpers.js';

const FIX = new URL('../fixtures/', import.meta.url);
const read = (rel: string) => new Uint8Array(fs.readFileSync(new URL(rel, FIX)));
const reports: FuzzReport[] = [];
let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-fuzz-')); });
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  // The numbers for the record: iterations per reader, how many were accepted, the slowest case.
  for (const r of reports) console.log(`fuzz ${r.reader}: ${r.iterations} cases (${r.rejected} rejected, ${r.accepted} read) in ${r.seconds} s, slowest ${r.slowestMs} ms, rss +${r.rssGrowthMb} MiB`);
});

const check = (r: FuzzReport) => {
  reports.push(r);
  assert.ok(r.iterations > 0);
  assert.ok(r.rssGrowthMb < 1024, `${r.reader}: rss grew ${r.rssGrowthMb} MiB`);
};

test('safetensors checkpoints', async () => {
  const cfg = tinyConfig();
  const t = (n: number) => ({ shape: [n], data: Float32Array.from({ length: n }, (_, i) => i / n) });
  const snap = encodeSnapshot({
    config: cfg, training: { nimg: 40, step: 10, rng: { key: [1, 2, 3] } },
    modules: { G_ema: { 'mapping.fc0.w': t(64), 'synthesis.b4.const': t(32) }, D: { 'b16.fromrgb.w': t(24) } },
  });
  check(await fuzz({ reader: 'safetensors', seeds: [snap], source: 'fuzz.safetensors', read: (b, s) => decodeNetworkSnapshot(b, s) }));
});

test('stylegan2-ada network pickles (torch storages inside)', async () => {
  const seeds = [read('stylegan2-orig-fp16/network.pkl'), read('stylegan2-snapshot-shape/network.pkl')];
  check(await fuzz({ reader: 'pickle (stylegan2-ada)', seeds, source: 'fuzz.pkl', read: (b, s) => importStyleGAN2(b, s, { withG: true, withD: true }) }));
});

test('StyleGAN-XL network pickles (dill arrays, plain nn.Embedding, torch storages)', async () => {
  const seeds = [read('stylegan-xl-tiny/stem16/network.pkl')];
  check(await fuzz({ reader: 'pickle (StyleGAN-XL)', seeds, source: 'fuzz-xl.pkl', read: (b, s) => importStyleGANXL(b, s, { withG: true }) }));
});

/** A small protocol 2 pickle of what dill and torch's default reduction write in XL pickles: {'a': _create_array(...), 'e': Embedding}. */
function dillEmbeddingPickle(): Uint8Array {
  const enc = (t: string) => [...Buffer.from(t, 'latin1')];
  const g = (m: string, n: string) => [0x63, ...enc(`${m}\n${n}\n`)];
  const dtype = [...g('numpy', 'dtype'), 0x55, 2, ...enc('f4'), 0x89, 0x88, 0x87, 0x52,
    0x28, 0x4b, 3, 0x55, 1, ...enc('<'), 0x4e, 0x4e, 0x4e, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x4b, 0, 0x74, 0x62];
  const arr = [...g('dill._dill', '_create_array'), 0x28, ...g('numpy.core.multiarray', '_reconstruct'),
    0x28, ...g('numpy', 'ndarray'), 0x4b, 0, 0x85, 0x43, 1, 0x62, 0x74,
    0x28, 0x4b, 1, 0x4b, 2, 0x4b, 2, 0x86, ...dtype, 0x89, 0x43, 16, ...new Array(16).fill(0x3f), 0x74, 0x4e, 0x74, 0x52];
  const emb = [...g('torch.nn.modules.sparse', 'Embedding'), 0x29, 0x81, 0x7d, 0x28, 0x55, 14, ...enc('num_embeddings'), 0x4b, 3,
    0x55, 11, ...enc('_parameters'), ...g('collections', 'OrderedDict'), 0x29, 0x52, 0x75, 0x62];
  return Uint8Array.from([0x80, 2, 0x7d, 0x28, 0x55, 1, ...enc('a'), ...arr, 0x55, 1, ...enc('e'), ...emb, 0x75, 0x2e]);
}

test('dill arrays and plain nn.Embedding records (small hand-made pickle)', async () => {
  const v = unpickle(dillEmbeddingPickle(), 'seed.pkl', { handlers: torchHandlers('seed.pkl') }) as Map<string, unknown>;
  assert.ok(isNdArray(v.get('a')) && isModuleRecord(v.get('e')), 'the unmutated seed reads');
  check(await fuzz({ reader: 'pickle (dill + Embedding)', seeds: [dillEmbeddingPickle()], source: 'fuzz-dill.pkl', read: (b, s) => unpickle(b, s, { handlers: torchHandlers(s) }) }));
});

test('original TensorFlow StyleGAN pickles', async () => {
  const seeds = [read('stylegan-tf-tiny/network.pkl')];
  check(await fuzz({ reader: 'pickle (TF)', seeds, source: 'fuzz-tf.pkl', read: (b, s) => importStyleganTf(b, s, { withG: true, withD: true, lenient: true }) }));
});

test('TF StyleGAN2 network pickles (our own export, G_main / D_main)', async () => {
  await setup(); // the seed networks are made with tfjs
  const cfg = defaultStyleGAN2Config({ zDim: 4, wDim: 4, cDim: 2, imgResolution: 8, mapping: { numLayers: 2 },
    synthesis: { channelBase: 64, channelMax: 4 }, discriminator: { channelBase: 64, channelMax: 4, mappingLayers: 1 } });
  const rnd = testRandom(9), nets = [new StyleGAN2Generator(cfg, rnd), new StyleGAN2Generator(cfg, rnd), new StyleGAN2Discriminator(cfg, rnd)];
  const [G, G_ema, D] = nets.map((n) => n.store.toRaw());
  nets.forEach((n) => n.dispose());
  const seeds = [exportStyleGAN2Tf({ config: cfg, modules: { G, G_ema, D } }, 'seed.safetensors')];
  check(await fuzz({ reader: 'pickle (TF StyleGAN2)', seeds, source: 'fuzz-tf2.pkl', read: (b, s) => importStyleGAN2Tf(readStyleganTfPickle(b, s), s, { withG: true, withD: true }) }));
});

test('torch.save state dicts (zip and legacy)', async () => {
  const seeds = [read('../metrics/fixtures/state-zip.pth'), read('../metrics/fixtures/state-legacy.pth')];
  check(await fuzz({ reader: 'torch.save', seeds, source: 'fuzz.pth', read: (b, s) => readTorchStateDict(b, s) }));
});

test('image loader (PNG and JPEG)', async () => {
  const png = read('stylegan2-ada-tiny/seed0000-psi0.5.png');
  const jpg = new Uint8Array(await sharp(png).jpeg({ quality: 80 }).toBuffer());
  let n = 0;
  const readImage = async (b: Uint8Array) => {
    // Through a file, as the data set loader and the CLI read images.
    const file = path.join(tmp, `case${n++ % 4}.png`);
    fs.writeFileSync(file, b);
    return readImageRgb(file, 16);
  };
  check(await fuzz({ reader: 'image', seeds: [png, jpg], source: tmp, read: readImage }));
});

test('data set zips', async () => {
  const png = read('stylegan2-ada-tiny/seed0000-psi0.5.png');
  const seeds = [zipSync({ 'a.png': png, 'dir/b.png': png }), zipSync({ 'a.png': png, 'b.png': png }, { level: 0 })];
  const file = path.join(tmp, 'fuzz.zip');
  // Whole data set loads: listing, unzipping, decoding, the skip policy (warnings) and its errors.
  const load = async (b: Uint8Array) => {
    fs.writeFileSync(file, b);
    const ds = await loadDataset({ path: file, resolution: 8 });
    for (const w of ds.warnings) assert.ok(!/[\n\r]/.test(w) && w.length < 1000, `warning: ${JSON.stringify(w.slice(0, 200))}`);
    return ds;
  };
  check(await fuzz({ reader: 'data set zip', seeds, source: file, read: load }));
});

/** A zip whose every entry claims `claim` unpacked bytes in its central directory record. */
function inflateClaims(zip: Uint8Array, claim: number): Uint8Array {
  const out = zip.slice(), v = new DataView(out.buffer);
  for (let p = 0; p + 46 <= out.length; p++) if (v.getUint32(p, true) === 0x02014b50) v.setUint32(p + 24, claim, true);
  return out;
}

test('zip entries claiming gigabytes are refused before anything is allocated (torch zip, nested storages, data set zip)', async () => {
  const png = read('stylegan2-ada-tiny/seed0000-psi0.5.png');
  const bombs = {
    pth: inflateClaims(read('../metrics/fixtures/state-zip.pth'), 0xfffffff0),
    images: inflateClaims(zipSync({ 'a.png': png, 'b.png': png }, { level: 0 }), 0xfffffff0),
  };
  const buffers0 = process.memoryUsage().arrayBuffers;
  assert.throws(() => readTorchStateDict(bombs.pth, 'bomb.pth'), /^Error: bomb\.pth: corrupt torch zip \(entry .* has inconsistent sizes \(\d+ packed, 4294967280 unpacked\)\)$/);
  const file = path.join(tmp, 'bomb.zip');
  fs.writeFileSync(file, bombs.images);
  await assert.rejects(loadDataset({ path: file, resolution: 8 }), /^Error: No images found in .*bomb\.zip/);
  // One bad entry among good ones is skipped with a warning naming it.
  const one = zipSync({ 'a.png': png, 'b.png': png }, { level: 0 });
  const v = new DataView(one.buffer);
  for (let p = one.length - 22; p >= 0; p--) if (v.getUint32(p, true) === 0x02014b50) { v.setUint32(p + 24, 0xfffffff0, true); break; }
  fs.writeFileSync(file, one);
  const ds = await loadDataset({ path: file, resolution: 8 });
  assert.equal(ds.numImages, 1);
  assert.match(ds.warnings.join('\n'), /^Skipped 1 corrupt zip entry \(impossible sizes\): b\.png$/m);
  assert.ok(process.memoryUsage().arrayBuffers - buffers0 < 64 * 2 ** 20, 'no buffer sized by a claim');
});
