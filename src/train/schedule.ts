// Learning-rate schedules as pure functions of the step: cosine (with linear warm-up), step decay,
// constant. Per-step, so a short fine-tune and a long run follow the same curve shape.

import { PareError } from '../util/errors.js';

export type ScheduleOptions =
  | { readonly kind: 'constant'; readonly warmupSteps?: number }
  | { readonly kind: 'cosine'; readonly warmupSteps?: number; readonly minLr?: number }
  | {
      readonly kind: 'step';
      readonly warmupSteps?: number;
      readonly milestones: readonly number[];
      readonly gamma?: number;
    };

/** LR at `step` (0-based) of `total` steps for base rate `lr`. */
export function learningRate(schedule: ScheduleOptions, lr: number, step: number, total: number): number {
  const warm = schedule.warmupSteps ?? 0;
  if (step < warm) return (lr * (step + 1)) / warm;
  switch (schedule.kind) {
    case 'constant':
      return lr;
    case 'cosine': {
      const min = schedule.minLr ?? 0;
      const span = Math.max(1, total - warm);
      const t = Math.min(1, (step - warm) / span);
      return min + 0.5 * (lr - min) * (1 + Math.cos(Math.PI * t));
    }
    case 'step': {
      const passed = schedule.milestones.filter((m) => step >= m).length;
      return lr * (schedule.gamma ?? 0.1) ** passed;
    }
  }
}

/** `cosine`, `constant`, `step:30,60` (epoch milestones) → a schedule in steps. */
export function parseSchedule(text: string, stepsPerEpoch: number, warmupEpochs = 0): ScheduleOptions {
  const warmupSteps = Math.round(warmupEpochs * stepsPerEpoch);
  if (text === 'cosine') return { kind: 'cosine', warmupSteps };
  if (text === 'constant') return { kind: 'constant', warmupSteps };
  const m = /^step(?::([\d.,]+))?(?:@([\d.]+))?$/.exec(text);
  if (m) {
    const epochs = (m[1] ?? '').split(',').filter(Boolean).map(Number);
    if (epochs.some((e) => !Number.isFinite(e) || e <= 0)) m.length = 0;
    else
      return {
        kind: 'step',
        warmupSteps,
        milestones: epochs.map((e) => Math.round(e * stepsPerEpoch)),
        gamma: m[2] ? Number(m[2]) : 0.1,
      };
  }
  throw new PareError(
    'PARE_CONFIG',
    `--schedule '${text}': expected cosine, constant or step:E1,E2[@gamma] (epochs)`,
  );
}
