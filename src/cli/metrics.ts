/** `stylegan metrics`: NVIDIA's calc_metrics.py for our checkpoints (and two image folders). */
import fs from 'node:fs';
import path from 'node:path';
import { parseFlags, parseNumber, parseChoice, UsageError } from './args.js';
import { loadAnyNetwork, readNetworkFile, isPickleFile } from './network.js';
import { initNodeBackend, type BackendName } from '../backend/node.js';
import { METRICS, parseMetricList } from '../metrics/registry.js';
import { MetricsRunner, appendMetricJsonl, checkRequirements } from '../metrics/run.js';
import { openImageSource, defaultDatasetPath } from '../data/dataset.js';
import { decodeRgb } from '../data/grid.js';
import { FEATURE_RANGES } from '../metrics/custom-features.js';

export const METRICS_HELP = `Usage: stylegan metrics --network FILE --data PATH --metrics LIST [options]
       stylegan metrics --real DIR --data PATH --metrics LIST [options]

Quality metrics as NVIDIA's calc_metrics.py; each result is printed as 'NAME VALUE' and
appended to metric-NAME.jsonl next to the network (NVIDIA's format).

Metrics:
${Object.values(METRICS).map((m) => `  ${m.name.padEnd(12)} ${m.summary}`).join('\n')}

  --network FILE     checkpoint to evaluate (.safetensors or official .pkl)
  --real DIR         instead of --network: a folder of images compared with --data
  --data PATH        real images (folder or .zip), resized to the network's resolution
                     (default: the run's training data, when the checkpoint records it)
  --metrics LIST     comma-separated (default fid50k_full)
  --num N            fewer samples than the definition (generated and real), for quick checks
  --inception FILE   FID Inception-v3 weights (fid*, kid*, is50k)
  --vgg16 FILE       VGG16 weights: LPIPS for ppl*, fc2 for pr*
  --feature-net FILE fid_custom: a TF.js model.json (Layers or Graph) mapping [N, H, W, 3] images to features
  --feature-range R  pixel range that network expects: 0,1 | -1,1 | 0,255 (default 0,1)
  --classifiers DIR  ls: NVIDIA's celebahq-classifier-00-male.pkl .. -39-wearing-necktie.pkl (the
                     classifier_urls of NVlabs/stylegan metrics/linear_separability.py)
  --resolution N     image size for --real (default: the first image of --data)
  --seed N           latents and subset sampling (default 0)
  --batch N          images per forward pass (default 8)
  --cache DIR        real-statistics cache (default ~/.cache/stylegan/metrics or $STYLEGAN_CACHE_DIR)
  --outdir DIR       where metric-NAME.jsonl goes (default: the network's folder; none for --real)
  --backend NAME     native | wasm | cpu | tensorflow | webgpu

Weights are never downloaded. Formats read: PyTorch state dicts as torch.save writes them
(.pth/.pt, zip or legacy), or the same tensors in .safetensors or .npz under the same key names.
  --inception: pytorch-fid's pt_inception-2015-12-05-6726825d.pth as is (keys such as
    Mixed_5b.branch1x1.conv.weight, fc.weight).
  --vgg16: torchvision vgg16 weights (features.N.*, classifier.0/3.* for pr*) merged with the LPIPS
    v0.1 lin layers (lin0..4.model.1.weight, from the lpips package's weights/v0.1/vgg.pth), e.g.
    python -c "import torch,torchvision; sd=torchvision.models.vgg16(weights='IMAGENET1K_V1').state_dict(); sd.update(torch.load('vgg.pth')); torch.save(sd, 'vgg16-lpips.pth')"

Real-image statistics are cached per data set, resolution, weights and --num.

Example:
  stylegan metrics --network runs/emoji/network-snapshot-000040.safetensors --metrics swd --num 2048`;

/** The training data recorded in one of our checkpoints (as calc_metrics.py defaults --data), if any. */
function trainingData(network: string): string | undefined {
  if (isPickleFile(network) || !fs.existsSync(network)) return undefined;
  const recorded = (readNetworkFile(network).training as { data?: { path?: string } } | undefined)?.data;
  if (!recorded) return undefined;
  return recorded.path ?? defaultDatasetPath();
}

/** Resolution of a folder's first image (must be a power of two). */
async function firstImageResolution(data: string): Promise<number> {
  const src = await openImageSource(data);
  const img = await decodeRgb(await src.read(0));
  const r = img.sourceWidth;
  if (img.sourceHeight !== r || r < 16 || (r & (r - 1)) !== 0) {
    throw new UsageError(`--resolution is needed: the first image of ${data} is ${img.sourceWidth}x${img.sourceHeight}, not a square power of two`);
  }
  return r;
}

export async function metricsCommand(argv: string[]): Promise<void> {
  const { values: v } = parseFlags(argv, {
    network: { type: 'string' }, real: { type: 'string' }, data: { type: 'string' }, metrics: { type: 'string' },
    num: { type: 'string' }, inception: { type: 'string' }, vgg16: { type: 'string' }, resolution: { type: 'string' },
    'feature-net': { type: 'string' }, 'feature-range': { type: 'string' }, classifiers: { type: 'string' },
    seed: { type: 'string' }, batch: { type: 'string' }, cache: { type: 'string' }, outdir: { type: 'string' },
    backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, 'metrics');
  if (v.help) return void console.log(METRICS_HELP);
  if (!v.network && !v.real) throw new UsageError('metrics: --network FILE (or --real DIR) is required (see stylegan metrics --help)');
  if (v.network && v.real) throw new UsageError('metrics: give --network or --real, not both');
  let specs;
  try {
    specs = parseMetricList(v.metrics ?? 'fid50k_full');
  } catch (e) {
    throw new UsageError(`--metrics: ${(e as Error).message}`);
  }
  const num = v.num === undefined ? undefined : parseNumber(v.num, 'num', { int: true, min: 2 });
  const seed = parseNumber(v.seed, 'seed', { int: true, min: 0, max: 0xffffffff, def: 0 });
  const batch = parseNumber(v.batch, 'batch', { int: true, min: 1, max: 1024, def: 8 });
  if (v.network && !fs.existsSync(v.network)) throw new Error(`Network file not found: ${v.network}`);
  const data = v.data ?? (v.network && specs.some((m) => m.needsReal) ? trainingData(v.network) : undefined);
  // Everything a metric needs is checked before the network or any image is read.
  const featureRange = parseChoice(v['feature-range'], 'feature-range', FEATURE_RANGES, '0,1');
  checkRequirements(specs, { hasGenerator: !!v.network, data, inception: v.inception, vgg16: v.vgg16, featureNet: v['feature-net'], classifiers: v.classifiers });

  await initNodeBackend(v.backend as BackendName | undefined);
  const G = v.network ? await loadAnyNetwork(v.network) : undefined;
  const resolution = G ? G.cfg.imgResolution
    : v.resolution !== undefined ? parseNumber(v.resolution, 'resolution', { int: true, min: 16, max: 1024 })
    : await firstImageResolution(data ?? v.real!);
  const outdir = v.outdir ?? (v.network ? path.dirname(v.network) : undefined);
  const runner = new MetricsRunner({
    G, networkFile: v.network, fakeData: v.real, data, resolution, num, inception: v.inception, vgg16: v.vgg16,
    featureNet: v['feature-net'], featureRange, classifiers: v.classifiers,
    cacheDir: v.cache, batch, seed, log: (line) => process.stderr.write(line + '\n'),
  });
  try {
    for (const m of specs) {
      process.stderr.write(`Computing ${m.name}${num ? ` (--num ${num})` : ''}...\n`);
      const r = await runner.run(m);
      for (const [k, val] of Object.entries(r.results)) console.log(`${k} ${val}`);
      if (outdir) appendMetricJsonl(outdir, r, v.network ? path.relative(outdir, v.network) : null);
    }
  } finally {
    runner.dispose();
    G?.dispose();
  }
}

