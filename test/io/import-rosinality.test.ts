/**
 * rosinality/stylegan2-pytorch checkpoints: the tiny fixture (made with its model.py, see
 * test/fixtures/rosinality-tiny/README.md) imports through the table and reproduces its
 * recorded images (stored noise, psi 1 and 0.5); unknown, missing and mis-shaped tensors are
 * named; `generate --network file.pt` and `convert file.pt out.safetensors` work.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { setup, maxAbsDiff } from '../helpers.js';
import { importRosinalityObject, loadRosinalityFile } from '../../src/io/import-rosinality.js';
import { expandRosinalityTable } from '../../src/io/rosinality-table.js';
import { readNetworkFile } from '../../src/cli/network.js';
import { generateCommand } from '../../src/cli/generate.js';
import { convertCommand } from '../../src/cli/convert.js';
import { generateImages, networkFromSnapshot } from '../../src/sampling/generate.js';
import { decodeNetworkSnapshot } from '../../src/io/snapshot.js';
import { parseNpy } from '../../src/io/npy.js';
import { toUint8 } from '../../src/data/grid.js';
import { isMap } from '../../src/io/pickle.js';
import * as tf from '@tensorflow/tfjs-core';
import { StyleGAN2Discriminator } from '../../src/networks/stylegan2/discriminator.js';

before(setup);
let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rosinality-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/rosinality-tiny');
const pt = path.join(dir, 'network.pt');

/** Image i of a recorded [N, 3, R, R] npy as HWC. */
function refHwc(file: string, i: number): Float32Array {
  const a = parseNpy(fs.readFileSync(path.join(dir, file)));
  const [, c, h, w] = a.shape, d = a.data as Float32Array, out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[p * c + ch] = d[i * c * h * w + ch * h * w + p];
  return out;
}

async function quiet(fn: () => Promise<void>): Promise<void> {
  const log = console.log;
  console.log = () => {};
  try { await fn(); } finally { console.log = log; }
}

test('the fixture .pt imports (config read off the tensors) and reproduces rosinality\'s images at psi 1 and 0.5', async () => {
  const s = readNetworkFile(pt);
  assert.equal(s.config.arch, 'stylegan2');
  if (s.config.arch !== 'stylegan2') return;
  assert.deepEqual([s.config.zDim, s.config.imgResolution, s.config.mapping.numLayers, s.config.synthesis.channelBase, s.config.synthesis.channelMax],
    [32, 16, 2, 128, 16]);
  assert.equal(s.config.synthesis.convClamp, null);
  const G = networkFromSnapshot(s, pt);
  for (const psi of [1, 0.5]) {
    const imgs = await generateImages(G, [0, 1, 2], { truncationPsi: psi });
    for (const [i, img] of imgs.entries()) {
      const err = maxAbsDiff(img.data, refHwc(`seeds0-2-psi${psi.toFixed(1)}.npy`, i));
      assert.ok(err < 1e-4, `seed ${i} psi ${psi}: max abs error ${err}`);
    }
  }
  G.dispose();
});

test('d (convert / full import) becomes our D and gives rosinality\'s logits', () => {
  const s = readNetworkFile(pt, { full: true });
  assert.deepEqual(Object.keys(s.modules).sort(), ['D', 'G_ema']);
  if (s.config.arch !== 'stylegan2') return assert.fail('not stylegan2');
  const D = new StyleGAN2Discriminator(s.config);
  D.store.loadRaw(s.modules.D!, 'D');
  // The recorded input: seeds 0-2 at psi 1 and seed 0 mirrored (d-logits.npy, see the README).
  const imgs = [0, 1, 2].map((i) => refHwc('seeds0-2-psi1.0.npy', i)), r = 16;
  const flipped = new Float32Array(imgs[0].length);
  for (let y = 0; y < r; y++) for (let x = 0; x < r; x++) for (let c = 0; c < 3; c++) flipped[(y * r + x) * 3 + c] = imgs[0][(y * r + r - 1 - x) * 3 + c];
  const x = tf.tensor4d(Float32Array.from([...imgs, flipped].flatMap((a) => [...a])), [4, r, r, 3]);
  const logits = D.forward(x);
  const want = parseNpy(fs.readFileSync(path.join(dir, 'd-logits.npy'))).data as Float32Array;
  const err = maxAbsDiff(logits.dataSync(), want);
  assert.ok(err < 1e-4, `D logits: max abs error ${err} (${logits.dataSync()} vs ${want})`);
  tf.dispose([x, logits]);
  D.dispose();
});

test('the table names every g_ema tensor but the blur kernels; unknown, missing and mis-shaped keys are named', () => {
  const root = loadRosinalityFile(fs.readFileSync(pt), pt) as Map<string, unknown>;
  const g = root.get('g_ema') as Map<string, unknown>;
  assert.ok(isMap(g));
  const cfg = importRosinalityObject(root, pt).config;
  const names = new Set(expandRosinalityTable(cfg).map((m) => m.theirs));
  const kernels = [...g.keys()].filter((k) => /\.(blur|upsample)\.kernel$/.test(k));
  assert.deepEqual([...g.keys()].filter((k) => !names.has(k)).sort(), kernels.sort());
  assert.equal(names.size, g.size - kernels.length + 1, 'plus latent_avg');

  const variant = (edit: (g: Map<string, unknown>) => void) => {
    const g2 = new Map(g);
    edit(g2);
    return new Map([...root, ['g_ema', g2]]);
  };
  assert.throws(() => importRosinalityObject(variant((m) => m.set('convs.9.extra', g.get('conv1.noise.weight'))), pt), /g_ema has tensors this importer does not know: convs\.9\.extra$/);
  assert.throws(() => importRosinalityObject(variant((m) => m.delete('convs.1.activate.bias')), pt), /g_ema lacks convs\.1\.activate\.bias$/);
  assert.throws(() => importRosinalityObject(variant((m) => m.set('convs.1.noise.weight', g.get('convs.1.activate.bias'))), pt),
    /g_ema\.convs\.1\.noise\.weight is \[16\], expected \[1\] \(for our synthesis\.b8\.conv1\.noiseStrength\)$/);
  assert.throws(() => importRosinalityObject(new Map([['g', g]]), pt), /not a rosinality\/stylegan2-pytorch checkpoint \(no 'g_ema'/);
  // No latent_avg (train.py's checkpoints): imported with a warning.
  const r = importRosinalityObject(new Map([['g_ema', g]]), pt);
  assert.match(r.skipped.join('\n'), /latent_avg/);
});

test('generate --network file.pt writes the recorded images; convert file.pt -> .safetensors generates the same', async () => {
  const out = path.join(tmp, 'gen'), conv = path.join(tmp, 'rosi.safetensors');
  await quiet(() => generateCommand(['--network', pt, '--seeds', '0-2', '--trunc', '0.5', '--outdir', out]));
  for (const i of [0, 1, 2]) {
    const png = await sharp(path.join(out, `seed000${i}.png`)).removeAlpha().raw().toBuffer();
    const want = toUint8(refHwc('seeds0-2-psi0.5.npy', i));
    let m = 0;
    for (let k = 0; k < png.length; k++) m = Math.max(m, Math.abs(png[k] - want[k]));
    assert.ok(m <= 1, `seed ${i}: ${m} levels from rosinality's image`);
  }
  await quiet(() => convertCommand([pt, conv]));
  const s = decodeNetworkSnapshot(fs.readFileSync(conv), conv);
  assert.deepEqual(Object.keys(s.modules).sort(), ['D', 'G_ema']);
  const G = networkFromSnapshot(s, conv);
  const [img] = await generateImages(G, [1], { truncationPsi: 1 });
  assert.ok(maxAbsDiff(img.data, refHwc('seeds0-2-psi1.0.npy', 1)) < 1e-4);
  G.dispose();
});
