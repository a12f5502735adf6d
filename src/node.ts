/**
 * `stylegan/node`: the Node-only half of the library. Backend selection (the native C++/OpenBLAS
 * addon, wasm, cpu, tfjs-node), network files on disk, data sets, training, metrics, PNG output.
 * The networks and sampling functions themselves are in `stylegan` (browser-safe).
 *
 * @packageDocumentation
 */

// Backends.
export { initNodeBackend, availableNodeBackends, loadGradients, NODE_BACKENDS, type BackendName, type NodeBackendOptions } from './backend/node.js';

// Network files (any format `stylegan` reads from bytes), checkpoints, images.
export { readNetworkFile, loadAnyNetwork, loadNetwork } from './cli/network.js';
export { readSafetensorsFile, writeSafetensorsFile, writeFileAtomic } from './io/fs-atomic.js';
export { writePng, encodePng, imageGrid, readImageRgb, decodeRgb, type RgbImage, type GridOptions } from './data/grid.js';
export { writeAnimation, ANIMATION_FORMATS } from './data/study-output.js';

// Data sets: a folder or zip of images, center-cropped and resized.
export { loadDataset, openImageSource, defaultDatasetPath, Dataset, type LoadOptions } from './data/dataset.js';

// Training: the trainers (one step at a time) and the whole run (snapshots, resume, stats).
export { Trainer, DEFAULT_HYPER, type TrainHyperParams } from './training/trainer.js';
export { Stylegan2Trainer } from './training/trainer-stylegan2.js';
export { stylegan2Preset, STYLEGAN2_CFGS, type Stylegan2HyperParams, type Stylegan2CfgName } from './training/stylegan2-presets.js';
export { runTraining, createTrainer, latestSnapshot, snapshotName, type RunOptions, type Progress } from './training/loop.js';
export type { DataInfo, TrainerLike, StepStats } from './training/trainer-base.js';

// Metrics (NVIDIA's calc_metrics.py: FID, KID, precision/recall, PPL, IS, SWD, linear separability).
export { MetricsRunner, type MetricsOptions, type MetricResult } from './metrics/run.js';
export { METRICS, parseMetricList, type MetricSpec } from './metrics/registry.js';
export { frechetDistance } from './metrics/frechet.js';
export { kernelInceptionDistance } from './metrics/kid.js';
export { InceptionV3 } from './metrics/inception.js';
