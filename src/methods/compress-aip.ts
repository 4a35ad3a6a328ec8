// The fine-tuning side of `pare compress --method aip` (AIP / GBIP): attention transfer at the stage
// outputs, an adversarial game on the logits (a host discriminator, src/train/adversarial-game.ts,
// whose warm-up restarts at each prune event), and the per-term loss log that the stages report.
// The pruning side (ℓ1 of activations over k·mean, one global k) is compress-select.ts.

import type { Model } from '../ir/model.js';
import { AdversarialGame } from '../train/adversarial-game.js';
import type { TrainEvent, TrainOptions } from '../train/trainer.js';
import { PareError } from '../util/errors.js';
import type { CompressRecipe } from './compress-recipe.js';

export interface AipTraining {
  /** Added to every chunk's trainModel options. */
  readonly train: Pick<TrainOptions, 'featureDistillation' | 'logitsHook'>;
  /** The game, when the adversarial term is on. */
  readonly game: AdversarialGame | undefined;
  /** Steps without the student's adversarial term after each prune event. */
  readonly warmupSteps: number;
}

/** undefined for recipes without an `aip` block. */
export function aipTraining(
  r: CompressRecipe,
  original: Model,
  o: { teacher: boolean; stepsPerInterval: number; seed: number },
): AipTraining | undefined {
  const a = r.aip;
  if (!a) return undefined;
  if (!o.teacher && (a.attention || a.adversarial))
    throw new PareError(
      'PARE_CONFIG',
      `method '${r.name}' learns from the original model: it needs the teacher`,
      {
        notes: ['drop --no-teacher, or use a recipe with aip.attention and aip.adversarial set to null'],
      },
    );
  const adv = a.adversarial;
  const warmupSteps = adv ? Math.round(adv.warmup * o.stepsPerInterval) : 0;
  const game = adv
    ? new AdversarialGame(classesOf(original), {
        weight: adv.weight,
        gate: adv.gate,
        cycle: adv.cycle,
        warmup: warmupSteps,
        temperature: r.train.distillation?.temperature ?? 1,
        discriminator: {
          hidden: adv.hidden,
          slope: adv.slope,
          lr: adv.lr,
          weightDecay: adv.weightDecay,
          seed: o.seed,
        },
      })
    : undefined;
  return {
    train: {
      ...(a.attention
        ? { featureDistillation: { pairs: 'auto', loss: 'attention', weight: a.attention.weight } }
        : {}),
      ...(game ? { logitsHook: game.hook } : {}),
    },
    game,
    warmupSteps,
  };
}

function classesOf(model: Model): number {
  const out = model.graph.outputs[0];
  const k = out?.type?.shape?.[1];
  if (out?.type?.shape?.length !== 2 || typeof k !== 'number')
    throw new PareError(
      'PARE_CONFIG',
      `the adversarial term needs logits [N, classes]; '${out?.name}' is not`,
      {
        ...(out ? { tensor: out.name } : {}),
      },
    );
  return k;
}

/** Means of each logged loss term over the steps since the last `take()`. */
export class LossLog {
  private sums = new Map<string, number>();
  private steps = 0;

  add(event: TrainEvent): void {
    if (event.kind !== 'step') return;
    this.steps++;
    this.sums.set('total', (this.sums.get('total') ?? 0) + event.loss);
    for (const [k, v] of Object.entries(event.terms ?? {})) this.sums.set(k, (this.sums.get(k) ?? 0) + v);
  }

  /** The means, and a fresh start; undefined when no step ran. */
  take(): Record<string, number> | undefined {
    if (this.steps === 0) return undefined;
    const out = Object.fromEntries([...this.sums].map(([k, v]) => [k, v / this.steps]));
    this.sums = new Map();
    this.steps = 0;
    return out;
  }
}
