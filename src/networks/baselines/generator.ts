/**
 * A baseline's sampling network behind the same GeneratorLike face as the StyleGANs, so generate,
 * metrics, serve and the training grids use one code path. There is no W space: "mapping" is z
 * itself as one style ([N, 1, zDim]) and asking for truncation is an error that says so. Sampling
 * runs batch norm in eval mode (running statistics), as PyTorch's model.eval().
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorForwardOptions, GeneratorLike, GeneratorMappingOptions } from '../generator-api.js';
import { ParamStore } from '../params.js';
import { BASELINE_FAMILY, type BaselineConfig } from './config.js';
import { MlpDiscriminator, MlpGenerator } from './mlp.js';
import { DcganDiscriminator, DcganGenerator } from './dcgan.js';
import { BeganDiscriminator } from './began.js';
import { Vae } from './vae.js';
import { AdversarialAutoencoder, LatentDiscriminator } from './aae.js';

/** What every baseline generator network does: z -> image, in training or eval mode. */
export interface BaselineDecoder {
  readonly store: ParamStore;
  decode(z: tf.Tensor2D, training: boolean): tf.Tensor4D;
  dispose(): void;
}

export type BaselineDiscriminatorNet = MlpDiscriminator | DcganDiscriminator | BeganDiscriminator | LatentDiscriminator | NoDiscriminator;

/** The VAE trains without a discriminator; an empty store keeps the snapshot layout. */
export class NoDiscriminator {
  readonly store = new ParamStore();
  dispose(): void {}
}

export function buildDecoder(cfg: BaselineConfig, random: () => number): BaselineDecoder {
  switch (BASELINE_FAMILY[cfg.arch]) {
    case 'mlp': return new MlpGenerator(cfg, random);
    case 'dcgan': return new DcganGenerator(cfg, random, { inputNorm: cfg.arch !== 'lsgan' });
    case 'began': return new DcganGenerator(cfg, random, { inputNorm: true });
    case 'vae': return new Vae(cfg, random);
    case 'aae': return new AdversarialAutoencoder(cfg, random);
  }
}

export function buildDiscriminator(cfg: BaselineConfig, random: () => number): BaselineDiscriminatorNet {
  switch (BASELINE_FAMILY[cfg.arch]) {
    case 'mlp': return new MlpDiscriminator(cfg, random);
    case 'dcgan': return new DcganDiscriminator(cfg, random);
    case 'began': return new BeganDiscriminator(cfg, random);
    case 'vae': return new NoDiscriminator();
    case 'aae': return new LatentDiscriminator(cfg, random);
  }
}

export function noWSpaceMessage(arch: string, what: string): string {
  return `${arch} has no W space (z goes straight into the generator): ${what} is available for the StyleGAN archs only`;
}

export class BaselineGenerator implements GeneratorLike {
  readonly net: BaselineDecoder;
  readonly numWs = 1;
  readonly hasWSpace = false;
  readonly synthesis: { forward(ws: tf.Tensor3D): tf.Tensor4D };

  constructor(readonly cfg: BaselineConfig, random: () => number = Math.random) {
    this.net = buildDecoder(cfg, random);
    this.synthesis = { forward: (ws) => tf.tidy(() => this.net.decode(tf.squeeze(ws, [1]) as tf.Tensor2D, false)) };
  }

  get store(): ParamStore {
    return this.net.store;
  }

  /** z [N, zDim] -> [N, 1, zDim]: z itself (no mapping); psi must be 1. */
  mappingForward(z: tf.Tensor2D, opts: GeneratorMappingOptions = {}): tf.Tensor3D {
    if (opts.truncationPsi !== undefined && opts.truncationPsi !== 1) throw new Error(noWSpaceMessage(this.cfg.arch, 'truncation'));
    return tf.expandDims(z, 1) as tf.Tensor3D;
  }

  /** z [N, zDim] -> images [N, R, R, C] in [-1, 1] (eval mode; noise and growth options do not apply). */
  forward(z: tf.Tensor2D, opts: GeneratorForwardOptions = {}): tf.Tensor4D {
    if (opts.truncationPsi !== undefined && opts.truncationPsi !== 1) throw new Error(noWSpaceMessage(this.cfg.arch, 'truncation'));
    return tf.tidy(() => this.net.decode(z, false));
  }

  dispose(): void {
    this.net.dispose();
  }
}
