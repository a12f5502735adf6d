/**
 * A `stylegan` generator as it stood mid-growth (ProGAN-style training): images at the stage's
 * resolution, faded in by alpha, then nearest-upsampled to the full size like the training
 * fakes grids. Layers above the stage are untrained, so the full-resolution output would be noise.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../networks/stylegan/generator.js';
import type { GeneratorForwardOptions, GeneratorLike, GeneratorSynthesisOptions } from '../networks/generator-api.js';
import type { SchedulePoint } from '../training/schedule.js';
import { upsample2d } from '../ops/resample.js';

export function atGrowthStage(G: Generator, { res, alpha }: SchedulePoint): GeneratorLike {
  const full = G.cfg.imgResolution;
  const grown = (x: tf.Tensor4D) => {
    for (let r = res; r < full; r *= 2) x = upsample2d(x);
    return x;
  };
  return {
    cfg: G.cfg,
    numWs: G.numWs,
    mappingForward: (z, o) => G.mappingForward(z, o),
    synthesis: { forward: (ws, o: GeneratorSynthesisOptions = {}) => tf.tidy(() => grown(G.synthesis.forward(ws, { ...o, res, alpha }))) },
    forward: (z, o: GeneratorForwardOptions = {}) => tf.tidy(() => grown(G.forward(z, { ...o, res, alpha }))),
    dispose: () => G.dispose(),
  };
}
