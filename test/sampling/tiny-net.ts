/** A tiny 'stylegan' network that behaves a little like a trained one, for the sampling tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { tinyConfig, testRandom } from '../helpers.js';
import { Generator } from '../../src/networks/stylegan/generator.js';
import { Discriminator } from '../../src/networks/stylegan/discriminator.js';
import { encodeSnapshot } from '../../src/io/snapshot.js';

/**
 * At initialisation the 4x4 constant is all ones, so instance norm turns any noise there into
 * the whole signal, and toRGB overshoots [-1, 1] (clamped pixels no w can reproduce). A random
 * constant, a smaller toRGB and small nonzero noise strengths fix both, as training would.
 */
export function tinyGenerator(seed = 3, noiseStrength = 0.05): Generator {
  const G = new Generator(tinyConfig(), testRandom(seed));
  tf.tidy(() => {
    // A nonzero w_avg, so 'psi 0 = the average image' is not trivially the image of w = 0.
    G.wAvg.assign(tf.mean(G.mapping.forward(tf.randomNormal([64, G.cfg.zDim], 0, 1, 'float32', 5)), 0));
    G.synthesis.constInput.assign(tf.randomNormal(G.synthesis.constInput.shape, 0, 1, 'float32', 11));
    for (const b of G.synthesis.blocks) {
      b.torgb.weight.assign(tf.mul(b.torgb.weight, 0.4));
      for (const l of [b.conv0, b.conv1]) l.noiseStrength.assign(tf.fill(l.noiseStrength.shape, noiseStrength));
    }
  });
  return G;
}

/** Writes G (as G_ema) and optionally a random D to a temp .safetensors; returns its path. */
export function writeTinyCheckpoint(G: Generator, withD = true): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-sampling-'));
  const modules: Parameters<typeof encodeSnapshot>[0]['modules'] = { G_ema: G.store.toRaw() };
  if (withD) {
    const D = new Discriminator(G.cfg, testRandom(9));
    modules.D = D.store.toRaw();
    D.dispose();
  }
  const file = path.join(dir, 'tiny.safetensors');
  fs.writeFileSync(file, encodeSnapshot({ config: G.cfg, modules }));
  return file;
}
