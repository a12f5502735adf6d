/** `stylegan train`: flags only; the work is runTraining(). */
import { parseFlags, parseNumber, parseChoice, parseGrid, UsageError } from './args.js';
import { runTraining, type Progress } from '../training/loop.js';
import { checkTrainingMetrics } from '../metrics/training.js';
import { DEFAULT_HYPER } from '../training/trainer.js';
import { stylegan2TrainSetup } from './train-stylegan2.js';
import { stylegan3TrainSetup } from './train-stylegan3.js';
import { STYLEGAN3_CFGS } from '../training/stylegan3-presets.js';
import { NETWORK_PRESETS, presetForResolution, type NetworkPresetName } from '../networks/stylegan/presets.js';
import { channelsAt } from '../networks/stylegan/config.js';
import { initNodeBackend, type BackendName } from '../backend/node.js';
import { spawnDashboard } from './dashboard.js';
import { budgetText } from '../training/budget.js';
import { STYLEGAN2_CFGS } from '../training/stylegan2-presets.js';
import { BASELINE_ARCHS, isBaselineArch } from '../networks/baselines/config.js';
import { baselineTrainSetup } from './train-baselines.js';
import { AUGMENT_FLAGS, AUGMENT_HELP, COND_HELP, checkCond, parseAdaKimg, parseAugment } from './train-augment.js';
import { FINETUNE_FLAGS, FINETUNE_HELP, finetuneHyper, finetuneSetup } from './train-finetune.js';

/** The main job (`stylegan train --outdir DIR`): a wall-clock budget, so it ends on time on any machine. */
export const MAIN_JOB_MINUTES = 20;

export const TRAIN_HELP = `Usage: stylegan train --outdir DIR [options]

Trains a StyleGAN on a folder or .zip of images (default: the bundled emoji set).

  --arch stylegan2|stylegan   network and training of StyleGAN2 (default; stylegan2-ada-pytorch's
                         loss: lazy R1, optional path length regularization) or StyleGAN (2019:
                         progressive growing, --preset, --grow, --loss; its own flags below)
  --cfg NAME             stylegan2 only: ${STYLEGAN2_CFGS.join(' | ')} (NVIDIA's train.py
                         --cfg; default: cpu up to 64 px, else auto). cpu is the main job's:
                         NVIDIA's auto rules at laptop size (128-d latents, <= 64/128 channels)
                         with batch, R1 and PL chosen by measurement (docs/main-job.md).
                         --batch --gamma --lr --mixing --ema-kimg --ema-rampup --cbase --cmax
                         --zdim --seed override it
  --pl-weight F          stylegan2: path length regularization weight (cfg's, 2; 0 = off)
  --r1-interval N        stylegan2: R1 every N D steps (lazy regularization; cfg's, 16)
  --diffaug              stylegan2: DiffAugment translation + cutout on all of D's inputs
  --arch stylegan3       StyleGAN3 (alias-free; NVlabs/stylegan3 train.py): --cfg ${STYLEGAN3_CFGS.join(' | ')}
                         (default stylegan3-t-cpu up to 64 px, else stylegan3-t). G lr 0.0025, D lr
                         0.002, 2 mapping layers, no mixing, no path length reg., lazy R1, G_ema
                         batch*10/32 kimg; -r: 1x1 convs, doubled G channels, radial filters, D input
                         blur sigma 10 fading over batch*200/32 kimg. -cpu: 128-d latents, <= 64 (R:
                         128) channels, batch 16. --gamma: default resolution^2/32768 (NVIDIA's table:
                         0.5 at 128 px), printed; --batch --lr --ema-kimg --ema-rampup --cbase --cmax
                         --zdim --seed override
  --arch ${BASELINE_ARCHS.join('|')}
                         a baseline of the comparison table (see stylegan compare), with its
                         reference's networks and hyperparameters (printed at start); --batch
                         --lr --zdim --seed override them. No W space: no truncation or mixing

Data:
  --data PATH            folder (searched recursively) or .zip of PNG/JPEG/WebP (default: emoji)
  --resolution N         training resolution, a power of two (default 32); non-square images are
                         center-cropped, smaller ones upsampled with a warning naming them
  --mirror               add x-flips
  --max-images N         use only the first N images
  --strict               fail on the first unreadable image (default: skip it, warn with a count and names)
Network and schedule:
  --preset NAME          stylegan: ${Object.keys(NETWORK_PRESETS).join(' | ')} (default: by resolution)
  --cbase N, --cmax N    override the preset's channels: min(cbase / resolution, cmax) per block
  --zdim N               override the preset's z, w and mapping widths
  --kimg N               thousands of real images to show D (default: 20 minutes for stylegan2,
                         else 40 kimg)
  --minutes N            wall-clock training budget instead of (or with) --kimg: stops at whichever
                         comes first; on --resume both are totals over the whole run (default: the
                         run's own, from its config.json)
  --batch N              minibatch size (default: the cfg's; 16 for stylegan)
  --grow on|off          stylegan: progressive growing from --grow-start px (default on)
  --grow-start N         first resolution when growing (default 8)
  --fade-kimg N          kimg of each fade-in (default 6)
  --stab-kimg N          kimg at each resolution before the next fade-in (default 6)
Optimisation:
  --loss nsgan-r1|wgan-gp   stylegan: (default nsgan-r1)
  --gamma F              R1 weight (default: the cfg's; 10 for stylegan)
  --lr F                 Adam learning rate of G and D (default: the cfg's; 0.002 for stylegan)
  --mixing F             style mixing probability (default 0.9)
  --ema-kimg F           G_ema half-life in kimg (default: the cfg's; 10 for stylegan)
  --ema-rampup F         half-life at most F x images seen so far; 0 = off (default 0.05)
  --seed N               random seed of the run (default 0)
${AUGMENT_HELP}
${COND_HELP}
${FINETUNE_HELP}
Output:
  --outdir DIR           output folder (required)
  --tick N               kimg per tick (default 4)
  --snap N               ticks per network snapshot (default 2)
  --metrics LIST         weight-free metrics during training: swd (to metric-swd.jsonl; 256 images
                         a side, a few seconds); stylegan3: eqt50k_int, eqt50k_frac, eqr50k (64
                         samples each, the same every tick); or none (default: swd from 16 px up)
  --metrics-every N      ticks between metric runs (default: --snap, on every snapshot)
  --grid CxR             fakes grid size (default 8x4)
  --resume FILE|latest   continue a run exactly where it stopped (network, schedule and data
                         options come from the checkpoint; --kimg sets the new total)
  --backend NAME         native | wasm | cpu | tensorflow | webgpu (default: fastest available)
  --dashboard            follow the run live in a browser page (see stylegan dashboard)
  --dashboard-port N     its port (default 8081; 0 = any free port)

Example:
  stylegan train --outdir runs/emoji                  (the main job: StyleGAN2, emoji, 20 minutes)
  stylegan train --outdir runs/emoji-2019 --arch stylegan --kimg 40
  stylegan train --data ~/photos --outdir runs/photos --resolution 64 --kimg 500 --mirror`;

export async function trainCommand(argv: string[]): Promise<void> {
  const { values: v } = parseFlags(argv, {
    outdir: { type: 'string' }, data: { type: 'string' }, resolution: { type: 'string' }, mirror: { type: 'boolean' },
    'max-images': { type: 'string' }, strict: { type: 'boolean' }, preset: { type: 'string' }, cbase: { type: 'string' }, cmax: { type: 'string' }, zdim: { type: 'string' }, kimg: { type: 'string' }, batch: { type: 'string' },
    grow: { type: 'string' }, 'grow-start': { type: 'string' }, 'fade-kimg': { type: 'string' }, 'stab-kimg': { type: 'string' },
    loss: { type: 'string' }, gamma: { type: 'string' }, lr: { type: 'string' }, mixing: { type: 'string' },
    'ema-kimg': { type: 'string' }, 'ema-rampup': { type: 'string' }, seed: { type: 'string' }, tick: { type: 'string' }, snap: { type: 'string' },
    grid: { type: 'string' }, resume: { type: 'string' }, backend: { type: 'string' }, dashboard: { type: 'boolean' }, 'dashboard-port': { type: 'string' }, metrics: { type: 'string' }, 'metrics-every': { type: 'string' }, minutes: { type: 'string' },
    arch: { type: 'string' }, cfg: { type: 'string' }, 'pl-weight': { type: 'string' }, 'r1-interval': { type: 'string' }, diffaug: { type: 'boolean' },
    ...AUGMENT_FLAGS, ...FINETUNE_FLAGS,
    help: { type: 'boolean', short: 'h' },
  }, 'train');
  if (v.help) return void console.log(TRAIN_HELP);
  if (!v.outdir) throw new UsageError('train: --outdir is required (see stylegan train --help)');
  const arch = parseChoice(v.arch, 'arch', ['stylegan', 'stylegan2', 'stylegan3', ...BASELINE_ARCHS] as const, 'stylegan2');
  const finetune = finetuneSetup(v, arch);
  // Fine-tuning: the network's own resolution unless --resolution says otherwise (then a mismatch error).
  const resolution = parseNumber(v.resolution, 'resolution', { int: true, min: 4, max: 1024, def: finetune.init?.snapshot.config.imgResolution ?? 32 });
  if (!Number.isInteger(Math.log2(resolution))) throw new UsageError(`--resolution must be a power of two, got ${resolution}`);
  const initRes = finetune.init?.snapshot.config.imgResolution;
  if (initRes !== undefined && resolution !== initRes) throw new UsageError(`${finetune.init!.source}: the network is ${initRes} px, but --resolution is ${resolution}`);
  if (arch === 'stylegan' && v.cfg !== undefined) throw new UsageError('--cfg is for --arch stylegan2 / stylegan3 (use --preset for stylegan)');
  for (const f of ['pl-weight', 'r1-interval', 'diffaug'] as const) if (arch !== 'stylegan2' && v[f] !== undefined) throw new UsageError(`--${f} is for --arch stylegan2`);
  const sg3 = arch === 'stylegan3' ? stylegan3TrainSetup(v, resolution, finetune.init) : undefined;
  if (sg3?.init) finetune.init = sg3.init;
  const setup = arch === 'stylegan2' ? stylegan2TrainSetup(v, resolution) : sg3 ?? (isBaselineArch(arch) ? baselineTrainSetup(v, arch, resolution) : undefined);
  const presetName = setup ? undefined : v.preset as NetworkPresetName | undefined;
  if (presetName !== undefined && !(presetName in NETWORK_PRESETS)) throw new UsageError(`--preset must be one of ${Object.keys(NETWORK_PRESETS).join(', ')}, got '${presetName}'`);
  const preset = presetName ? NETWORK_PRESETS[presetName] : presetForResolution(resolution);
  const zDim = parseNumber(v.zdim, 'zdim', { int: true, min: 1, max: 4096, def: preset.zDim });
  const config = {
    ...preset, imgResolution: resolution, zDim, wDim: v.zdim ? zDim : preset.wDim, mappingFmaps: v.zdim ? zDim : preset.mappingFmaps,
    channelBase: parseNumber(v.cbase, 'cbase', { int: true, min: 1, def: preset.channelBase }),
    channelMax: parseNumber(v.cmax, 'cmax', { int: true, min: 1, def: preset.channelMax }),
  };
  if (channelsAt(config, resolution) < 1) throw new UsageError(`--cbase ${config.channelBase} gives no channels at ${resolution} px (need cbase >= resolution)`);
  const lr = parseNumber(v.lr, 'lr', { min: 1e-8, max: 1, def: DEFAULT_HYPER.lrG });
  const batch = setup ? setup.hyper.batch : parseNumber(v.batch, 'batch', { int: true, min: 1, max: 4096, def: 16 });
  const hyper = {
    ...DEFAULT_HYPER, batch, lrG: lr, lrD: lr,
    loss: parseChoice(v.loss, 'loss', ['nsgan-r1', 'wgan-gp'] as const, 'nsgan-r1'),
    r1Gamma: parseNumber(v.gamma, 'gamma', { min: 0, def: 10 }),
    mixing: parseNumber(v.mixing, 'mixing', { min: 0, max: 1, def: 0.9 }),
    emaKimg: parseNumber(v['ema-kimg'], 'ema-kimg', { min: 0, def: 10 }),
    emaRampup: parseNumber(v['ema-rampup'], 'ema-rampup', { min: 0, max: 1, def: 0.05 }),
    seed: parseNumber(v.seed, 'seed', { int: true, min: 0, max: 0xffffffff, def: 0 }),
    growth: {
      enabled: parseChoice(v.grow, 'grow', ['on', 'off'] as const, 'on') === 'on',
      initialResolution: parseNumber(v['grow-start'], 'grow-start', { int: true, min: 4, max: resolution, def: Math.min(8, resolution) }),
      transitionKimg: parseNumber(v['fade-kimg'], 'fade-kimg', { min: 0, def: 6 }),
      stabilizeKimg: parseNumber(v['stab-kimg'], 'stab-kimg', { min: 0, def: 6 }),
    },
  };
  if (!Number.isInteger(Math.log2(hyper.growth.initialResolution))) throw new UsageError(`--grow-start must be a power of two, got ${hyper.growth.initialResolution}`);
  const group = setup ? (setup.config.arch === 'stylegan2' || setup.config.arch === 'stylegan3' ? setup.config.discriminator.mbstdGroupSize ?? batch : 1) : 4;
  if (batch % Math.min(group, batch) !== 0) throw new UsageError(`--batch must be a multiple of the minibatch-stddev group size ${group}, got ${batch}`);
  // Default (undefined): swd whenever the resolution allows it; 'none' turns it off.
  const metrics = v.metrics === undefined ? undefined : v.metrics === 'none' ? [] : v.metrics.split(',').map((m) => m.trim()).filter(Boolean);
  try {
    if (metrics) checkTrainingMetrics(metrics, resolution, v.resume === undefined || finetune.init ? arch : undefined);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // ADA by default where NVIDIA's code has it (StyleGAN2/3): on the 3,786 emoji it lowered the main job's SWD (docs/main-job.md).
  const augment = parseAugment(v, setup || !hyper.growth.enabled ? resolution : hyper.growth.initialResolution, arch === 'stylegan2' || arch === 'stylegan3' ? 'ada' : 'noaug');
  if (isBaselineArch(arch) && augment.mode !== 'noaug') throw new UsageError(`--aug is for --arch stylegan, stylegan2 and stylegan3, not ${arch}`);
  const cond = checkCond(v, arch);
  const adaKimg = parseAdaKimg(v);
  const trainMetrics = metrics;
  // Every flag is checked before the backend starts and the signal handlers are installed.
  const kimg = v.kimg === undefined ? undefined : parseNumber(v.kimg, 'kimg', { min: 0.001 });
  const minutes = v.minutes === undefined ? undefined : parseNumber(v.minutes, 'minutes', { min: 0.001 });
  const tick = parseNumber(v.tick, 'tick', { min: 0.001, def: 4 });
  const snap = parseNumber(v.snap, 'snap', { int: true, min: 1, def: 2 });
  // Metrics on every snapshot by default, as NVIDIA's training loop (and the last one).
  const metricsEvery = parseNumber(v['metrics-every'], 'metrics-every', { int: true, min: 1, def: snap });
  const grid = parseGrid(v.grid, [8, 4]);
  const maxImages = v['max-images'] === undefined ? undefined : parseNumber(v['max-images'], 'max-images', { int: true, min: 1 });
  const dashboardPort = parseNumber(v['dashboard-port'], 'dashboard-port', { int: true, min: 0, max: 65535, def: 8081 });
  const backend = await initNodeBackend(v.backend as BackendName | undefined);

  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nStopping: writing a snapshot (press Ctrl-C again to quit at once)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tty = process.stderr.isTTY;
  let lastPrint = 0;
  const progress = (p: Progress) => {
    const now = Date.now();
    if (now - lastPrint < (tty ? 500 : 30000)) return;
    lastPrint = now;
    const eta = p.etaSec > 3600 ? `${(p.etaSec / 3600).toFixed(1)}h` : `${Math.ceil(p.etaSec / 60)}m`;
    const budget = budgetText(p.kimg, { kimg: Number.isFinite(p.totalKimg) ? p.totalKimg : undefined, minutes: p.budgetSec && p.budgetSec / 60 }, p.trainSec);
    const line = `${budget} res ${p.res}${p.alpha < 1 ? ` fade ${p.alpha.toFixed(2)}` : ''} ` +
      `G ${p.lossG.toFixed(3)} D ${p.lossD.toFixed(3)}${p.augmentP > 0 ? ` p ${p.augmentP.toFixed(3)}` : ''} ${p.imgPerSec.toFixed(1)} img/s ETA ${eta}`;
    process.stderr.write(tty ? `\r${line.padEnd(100)}` : line + '\n');
  };
  if (sg3?.note && (v.resume === undefined || finetune.init)) process.stderr.write(sg3.note + '\n');
  if (v.dashboard) spawnDashboard(v.outdir, dashboardPort);
  const result = await runTraining({
    outdir: v.outdir, data: v.data, mirror: v.mirror, config: setup?.config ?? config, hyper: finetuneHyper({ ...(setup?.hyper ?? hyper), augment }, finetune), cond, adaKimg, init: finetune.init, resolution: v.resolution === undefined ? undefined : resolution,
    kimg, minutes, defaultBudget: arch === 'stylegan2' ? { minutes: MAIN_JOB_MINUTES } : undefined, tick, snap,
    grid, resume: finetune.resume, maxImages, strict: v.strict,
    signal: controller.signal, progress, metrics: trainMetrics, metricsEvery,
    log: (line) => process.stderr.write((tty ? '\r' + ' '.repeat(100) + '\r' : '') + line + '\n'),
  }).finally(() => {
    // Also on errors: main() may run again in the same process (tests), and handlers would pile up.
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  console.log(`Done at ${result.kimg.toFixed(3)} kimg on ${backend}: ${result.snapshot}`);
}
