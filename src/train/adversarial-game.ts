// AIP / GBIP's adversarial game between the original network (teacher) and the pruned one (student),
// as a logits hook for the step engine. Each step, in the order of the authors' sibling code (ICP,
// main_imagenet.py): the discriminator D first learns to tell the teacher's logits (real, 1) from the
// student's (fake, 0), updated only while its loss is above `gate`; then the student's term
// weight·BCE(D(z_s), 1) adds its gradient to the student's logits, on after a warm-up that restarts at
// every prune event and toggled on/off every `cycle` steps (BenGitter/GBIP main.py). The game also
// logs the task and distillation terms it can compute from the same logits.

import { logSoftmaxRow } from '../engine/dnnl/host-loss.js';
import type { LogitsHook, LogitsHookInput } from '../engine/step-engine.js';
import { PareError } from '../util/errors.js';
import { bceWithLogits, Discriminator, type DiscriminatorOptions } from './discriminator.js';

export interface AdversarialGameOptions {
  /** Weight of the student's fool-D term (default 0.2). */
  readonly weight?: number;
  /** D is updated only when its loss (mean BCE over teacher and student samples) exceeds this (0.2). */
  readonly gate?: number;
  /** Steps per on/off phase of the student's term after the warm-up; 0: always on (default 0). */
  readonly cycle?: number;
  /** Steps after each prune event (and at the start) without the student's term (default 0). */
  readonly warmup?: number;
  readonly discriminator?: DiscriminatorOptions;
  /** Logged only: the distillation temperature, for the task / KD split of the logged losses. */
  readonly temperature?: number;
}

export class AdversarialGame {
  readonly d: Discriminator;
  private readonly weight: number;
  private readonly gate: number;
  private readonly cycle: number;
  private readonly warmup: number;
  private readonly temperature: number;
  /** step of the last prune event (the warm-up counts from it) */
  private since = 0;

  constructor(
    readonly classes: number,
    o: AdversarialGameOptions = {},
  ) {
    this.d = new Discriminator(classes, o.discriminator);
    this.weight = o.weight ?? 0.2;
    this.gate = o.gate ?? 0.2;
    this.cycle = o.cycle ?? 0;
    this.warmup = o.warmup ?? 0;
    this.temperature = o.temperature ?? 1;
  }

  /** For a checkpoint: the discriminator and where the warm-up counts from. */
  snapshot(): { since: number; discriminator: Float64Array } {
    return { since: this.since, discriminator: this.d.snapshot() };
  }

  restore(s: { since: number; discriminator: Float64Array }): void {
    this.since = s.since;
    this.d.restore(s.discriminator);
  }

  /** A prune event before 1-based step `step`: the student's term waits `warmup` steps again. */
  restart(step: number): void {
    this.since = step - 1;
  }

  /** Whether the student's term is on at this 1-based step. */
  active(step: number): boolean {
    const s = step - 1 - this.since - this.warmup;
    if (s < 0) return false;
    return this.cycle === 0 || Math.floor(s / this.cycle) % 2 === 0;
  }

  readonly hook: LogitsHook = (x, dlogits) => {
    if (!x.teacher)
      throw new PareError('PARE_CONFIG', 'the adversarial term needs the teacher (distillation on)', {
        notes: ["keep the recipe's train.distillation, or set aip.adversarial to null"],
      });
    if (x.k !== this.classes)
      throw new PareError(
        'PARE_SHAPE',
        `discriminator built for ${this.classes} classes, logits have ${x.k}`,
      );
    const { n, k } = x;
    const d = this.d;
    const student = x.logits.subarray(0, n * k);
    // D's step on this batch: teacher real, student fake (the student's logits are a constant here).
    const real = d.forward(x.teacher.subarray(0, n * k), n);
    const fake = d.forward(student, n);
    const gReal = new Float64Array(n);
    const gFake = new Float64Array(n);
    // Mean over the 2n samples (BCEWithLogitsLoss on the concatenated batch), the loss `gate` refers to.
    const dLoss = (bceWithLogits(real.output, 1, gReal, 0.5) + bceWithLogits(fake.output, 0, gFake, 0.5)) / 2;
    const updated = dLoss > this.gate;
    if (updated) {
      d.zeroGrad();
      d.backward(real, gReal, true);
      d.backward(fake, gFake, true);
      d.adamStep();
    }
    // The student's term with D as it now stands.
    const pass = d.forward(student, n);
    const g = new Float64Array(n);
    const on = this.active(x.step);
    const adv = bceWithLogits(pass.output, 1, g, on ? this.weight : 0);
    if (on) {
      const dx = d.backward(pass, g, false);
      for (let i = 0; i < n * k; i++) dlogits[i] = dlogits[i]! + dx[i]!;
    }
    return {
      loss: on ? this.weight * adv : 0,
      terms: {
        ...taskAndKd(x, this.temperature),
        discriminator: dLoss,
        adversarial: adv,
        discriminatorUpdated: updated ? 1 : 0,
        adversarialOn: on ? 1 : 0,
      },
    };
  };
}

/** Cross-entropy with the labels and T²·KL(teacher ‖ student) at temperature T, for the log only. */
function taskAndKd(x: LogitsHookInput, t: number): { task: number; kd: number } {
  const { n, k, logits, teacher } = x;
  let task = 0;
  let kd = 0;
  const ls = new Float64Array(k);
  const lt = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    logSoftmaxRow(logits, row, k, 1, ls);
    task -= ls[x.labels[i]!]!;
    if (!teacher) continue;
    logSoftmaxRow(logits, row, k, t, ls);
    logSoftmaxRow(teacher, row, k, t, lt);
    for (let j = 0; j < k; j++) kd += Math.exp(lt[j]!) * (lt[j]! - ls[j]!);
  }
  return { task: task / n, kd: (t * t * kd) / n };
}
