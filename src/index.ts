/**
 * `stylegan`: the browser-safe library (no Node built-ins). Load any network from its bytes,
 * generate from seeds (NumPy-exact latents), truncate, mix styles, interpolate, project.
 * Node-only parts (backend selection with the native addon, files, data sets, training,
 * metrics) are in `stylegan/node`.
 *
 * Each network family adds its generator and config here and its file format in
 * io/network-bytes.ts; `loadGenerator` then returns it like the others (GeneratorLike).
 *
 * @packageDocumentation
 */

// Backends: pick one of the registered tfjs backends (a page imports webgl / webgpu itself).
export { initBackend, trySetBackend, type BackendName, type BackendOptions } from './backend/index.js';

// Loading networks: our .safetensors, NVIDIA's .pkl (StyleGAN, StyleGAN2-ADA), rosinality .pt.
export { readNetworkBytes, type ReadNetworkOptions } from './io/network-bytes.js';
export { loadGenerator } from './sampling/load-generator.js';
export { decodeNetworkSnapshot, decodeSnapshot, encodeSnapshot, SNAPSHOT_FORMAT, type Snapshot, type SnapshotModule } from './io/snapshot.js';
export { decodeSafetensors, encodeSafetensors } from './io/safetensors.js';
export { parseNpy, parseNpz, encodeNpy, encodeNpz, type NpyArray } from './io/npy.js';
export {
  loadAnyGeneratorFromBytes, loadGeneratorFromBytes, networkFromSnapshot, buildGenerator,
  seedsToZ, classLabels, generateImages, type GeneratedImage,
} from './sampling/generate.js';

// The networks, by family.
export type { NetworkConfig } from './networks/config.js';
export type { GeneratorLike, GeneratorForwardOptions, GeneratorMappingOptions, GeneratorSynthesisOptions } from './networks/generator-api.js';
export { ParamStore, skipInit, type RawTensor } from './networks/params.js';
export { Generator, truncate } from './networks/stylegan/generator.js';
export { Discriminator } from './networks/stylegan/discriminator.js';
export { defaultConfig, type StyleGANConfig } from './networks/stylegan/config.js';
export { NETWORK_PRESETS, presetForResolution, type NetworkPresetName } from './networks/stylegan/presets.js';
export { StyleGAN2Generator } from './networks/stylegan2/generator.js';
export { StyleGAN2Discriminator } from './networks/stylegan2/discriminator.js';
export { defaultStyleGAN2Config, type StyleGAN2Config } from './networks/stylegan2/config.js';

// Steering: latents, truncation, style mixing, noise, interpolation, projection.
export { RandomState, seedToZ } from './sampling/rng.js';
export { truncationGrid, type TruncationGridOptions } from './sampling/truncation-grid.js';
export { parseStyles, stylePresetIndices, mixWs, styleMixGrid, styleMixTiles, type StyleMixGrid, type StyleMixOptions } from './sampling/style-mixing.js';
export { noiseStudy, type NoiseStudy, type NoiseStudyOptions } from './sampling/noise-study.js';
export { slerp, lerp, walkSeeds, interpolate, type InterpolateOptions, type LatentSpace } from './sampling/interpolate.js';
export { project, psnr, type ProjectOptions, type ProjectResult } from './sampling/project.js';
export { pixelDistance, discriminatorDistance, lpipsDistance, type ImageDistance } from './sampling/projection-distance.js';
export { synthesizeProjected, readProjectedWs } from './sampling/projected-w.js';
export { toUint8 } from './data/uint8.js';
