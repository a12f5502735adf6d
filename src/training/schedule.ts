/**
 * Progressive growing schedule (ProGAN sec. 2, NVIDIA's TrainingSchedule): start at
 * `initialResolution`, then for each doubling fade the new layers in over `transitionKimg`
 * and train them `stabilizeKimg` more. Fixed-resolution training is growth off.
 */
export interface GrowthOptions {
  /** false: train at the full resolution from the start. */
  enabled: boolean;
  initialResolution: number;
  /** kimg of training at each resolution before the next fade-in (NVIDIA: lod_training_kimg). */
  stabilizeKimg: number;
  /** kimg of the fade-in of each new resolution (NVIDIA: lod_transition_kimg). */
  transitionKimg: number;
}

export interface SchedulePoint {
  /** Current training resolution. */
  res: number;
  /** Fade-in weight of `res` (1 = fully grown). */
  alpha: number;
}

export function scheduleAt(kimg: number, finalResolution: number, g: GrowthOptions): SchedulePoint {
  if (!g.enabled || g.initialResolution >= finalResolution) return { res: finalResolution, alpha: 1 };
  let res = g.initialResolution;
  let t = kimg - g.stabilizeKimg; // the first resolution only stabilizes
  while (t >= 0 && res < finalResolution) {
    res *= 2;
    if (t < g.transitionKimg) return { res, alpha: t / g.transitionKimg };
    t -= g.transitionKimg + g.stabilizeKimg;
  }
  return { res, alpha: 1 };
}

/** Where a snapshot's run stood in its schedule (what its fakes grid shows); fully grown without training state. */
export function snapshotSchedule(training: Record<string, unknown> | undefined, finalResolution: number): SchedulePoint {
  const t = training as { nimg?: unknown; hyper?: { growth?: GrowthOptions } } | undefined;
  if (typeof t?.nimg !== 'number' || !t.hyper?.growth) return { res: finalResolution, alpha: 1 };
  return scheduleAt(t.nimg / 1000, finalResolution, t.hyper.growth);
}

/** Number of styles in use at `res`: 2 per block up to it (mixing picks its crossover below this). */
export function activeWs(res: number): number {
  return 2 * (Math.log2(res) - 1);
}
