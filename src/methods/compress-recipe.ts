// Compress recipes: a pruning-while-training pipeline as data (JSON or YAML), validated with zod so a
// user's own recipe file fails with the dotted path of the bad field. Every shipped `--method` is one
// of these files (src/methods/recipes/*.json); docs/methods.md cites the source of each default.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PareError } from '../util/errors.js';

const criterionRef = z.strictObject({
  name: z.string().min(1),
  options: z.record(z.string(), z.unknown()).optional(),
});

export const recipeSchema = z.strictObject({
  name: z.string().min(1),
  title: z.string().min(1),
  /**
   * oneshot: one score/cut before training, masks held, then fine-tuning; soft: every prune event
   * re-scores the current weights and zeroes (or masks) the lowest channels, which may regrow;
   * iterative: every prune event removes more channels (masks held) along a cost schedule.
   */
  schedule: z.enum(['oneshot', 'soft', 'iterative', 'ucp']),
  /** Candidate criteria; more than one: the meta-attribute picks one at each prune event (mfp). */
  criteria: z.array(criterionRef).min(1),
  /** How a criterion is chosen among several: loss of each candidate-pruned network on K batches. */
  metaAttribute: z
    .strictObject({ kind: z.literal('loss'), batches: z.number().int().min(1).default(2) })
    .optional(),
  /** Prune events: every `epochs` epochs or every `steps` steps (exactly one). */
  every: z
    .strictObject({ epochs: z.number().int().min(1).optional(), steps: z.number().int().min(1).optional() })
    .refine((e) => (e.epochs === undefined) !== (e.steps === undefined), {
      message: 'give exactly one of epochs or steps',
    })
    .default({ epochs: 1 }),
  /** Fraction of the training during which prune events happen (the rest fine-tunes the final width). */
  pruneFraction: z.number().min(0).max(1).default(1),
  /** soft: 'zero' sets the filters to zero and lets them regrow (SFP); 'mask' also holds them at zero until the next event (FPGM's gradient mask). */
  soft: z.enum(['zero', 'mask']).default('zero'),
  /** iterative: how the kept cost falls from 1 to the target over the prune events. */
  ratioSchedule: z.enum(['linear', 'exponential']).default('linear'),
  /** Allocation: one threshold across groups (global) or one ratio for every group (uniform). */
  search: z.enum(['global', 'uniform']).default('uniform'),
  /** Keep residual (multi-producer) groups whole. */
  keepResidual: z.boolean().default(false),
  /** Labelled images per measurement (activation/gradient criteria, meta-attribute). */
  calibrationSamples: z.number().int().min(1).default(256),
  /**
   * Where gradient criteria (taylor, fisher) get their statistics: 'calibration', a measurement pass
   * on `calibrationSamples` labelled images at each prune event; 'training', the training steps since
   * the previous event (the dnnl engine records them; an event with none, the first one or on another
   * engine, falls back to the calibration pass, and its stage says which it used).
   */
  gradients: z.enum(['calibration', 'training']).default('calibration'),
  train: z
    .strictObject({
      epochs: z.number().int().min(1).default(2),
      lr: z.number().positive().default(0.01),
      momentum: z.number().min(0).max(1).default(0.9),
      nesterov: z.boolean().default(true),
      weightDecay: z.number().min(0).default(5e-4),
      schedule: z.enum(['cosine', 'constant']).default('cosine'),
      batch: z.number().int().min(1).default(128),
      cropPad: z.number().int().min(0).default(0),
      flip: z.boolean().default(false),
      distillation: z
        .strictObject({
          alpha: z.number().min(0).max(1).default(0.9),
          temperature: z.number().positive().default(4),
        })
        .nullable()
        .default({ alpha: 0.9, temperature: 4 }),
    })
    .default({
      epochs: 2,
      lr: 0.01,
      momentum: 0.9,
      nesterov: true,
      weightDecay: 5e-4,
      schedule: 'cosine',
      batch: 128,
      cropPad: 0,
      flip: false,
      distillation: { alpha: 0.9, temperature: 4 },
    }),
  /**
   * ucp: MSEBs trained on the frozen backbone for `seEpochs`, channels above (1 + λ)·mean excitation
   * kept (λ given, or searched to meet the target), then `retrain` from scratch or fine-tune.
   */
  ucp: z
    .strictObject({
      lambda: z.number().gt(-1).optional(),
      seEpochs: z.number().int().min(1).default(1),
      retrain: z.enum(['scratch', 'finetune']).default('scratch'),
      stageUniform: z.boolean().default(true),
      reduction: z.number().int().min(1).default(16),
    })
    .default({ seEpochs: 1, retrain: 'scratch', stageUniform: true, reduction: 16 }),
  /**
   * aip (AIP / GBIP): scores divided by their group's mean over the channels still alive, so one
   * global threshold k keeps channels ≥ k·mean in every group (k given, or searched at each prune
   * event to meet that event's cost fraction); fine-tuning adds attention transfer at the stage
   * outputs and an adversarial term from a discriminator on the logits (null turns either off).
   */
  aip: z
    .strictObject({
      k: z.number().positive().optional(),
      attention: z
        .strictObject({ weight: z.number().min(0).default(1) })
        .nullable()
        .default({ weight: 1 }),
      adversarial: z
        .strictObject({
          weight: z.number().min(0).default(0.2),
          hidden: z.array(z.number().int().min(1)).min(1).default([128, 256, 128]),
          slope: z.number().min(0).default(0.01),
          lr: z.number().positive().default(5e-4),
          weightDecay: z.number().min(0).default(1e-4),
          gate: z.number().min(0).default(0.2),
          cycle: z.number().int().min(0).default(0),
          warmup: z.number().min(0).max(1).default(0.1),
        })
        .nullable()
        .default({
          weight: 0.2,
          hidden: [128, 256, 128],
          slope: 0.01,
          lr: 5e-4,
          weightDecay: 1e-4,
          gate: 0.2,
          cycle: 0,
          warmup: 0.1,
        }),
    })
    .optional(),
  /**
   * GA channel pruning (Hu et al. 2018): at each prune event the allocation's widths are kept and a
   * genetic algorithm chooses the channels, group by group (ga-select.ts). oneshot: every group at
   * event 0; iterative: the groups spread over the events (fine-tuning between them, as the paper).
   */
  ga: z
    .strictObject({
      population: z.number().int().min(2).default(50),
      generations: z.number().int().min(0).default(40),
      crossover: z.number().min(0).max(1).default(0.8),
      /** Per-gene swap probability; null: 1/n for a group of n channels. */
      mutation: z.number().min(0).max(1).nullable().default(null),
      elite: z.number().int().min(0).default(2),
      tournament: z.number().int().min(1).default(2),
      patience: z.number().int().min(1).optional(),
      refine: z.number().int().min(0).default(4),
      refineSamples: z.number().int().min(1).default(256),
      samples: z.number().int().min(1).default(256),
      order: z.enum(['sensitivity', 'network']).default('sensitivity'),
      widths: z.enum(['allocation', 'sensitivity']).default('allocation'),
      sensitivityRatios: z.array(z.number().gt(0).lt(1)).min(1).default([0.25, 0.5, 0.75]),
      sensitivitySamples: z.number().int().min(1).default(256),
      seedCriterion: z.boolean().default(true),
      maxFeatures: z.number().int().min(1).default(4096),
    })
    .nullable()
    .default(null),
  /** Where each default comes from (shown in docs/methods.md). */
  sources: z.record(z.string(), z.string()).default({}),
});

export type CompressRecipe = z.output<typeof recipeSchema>;
export type CompressRecipeInput = z.input<typeof recipeSchema>;

/** The recipe with its distillation weighted `alpha` (its temperature kept, or the default 4). */
export function withDistillationAlpha(recipe: CompressRecipe, alpha: number): CompressRecipe {
  const temperature = recipe.train.distillation?.temperature ?? 4;
  return { ...recipe, train: { ...recipe.train, distillation: { alpha, temperature } } };
}

/** Validate a parsed recipe; errors name the dotted path of each bad field. */
export function parseRecipe(data: unknown, source: string): CompressRecipe {
  const r = recipeSchema.safeParse(data);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(recipe)'}: ${i.message}`);
  throw new PareError('PARE_CONFIG', `recipe '${source}' is not valid: ${lines[0]}`, {
    file: source,
    notes: [...lines.slice(1), 'docs/methods.md lists every recipe field'],
  });
}

/** Read a recipe file: YAML (.yaml/.yml) or JSON. */
export function readRecipe(file: string): CompressRecipe {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new PareError('PARE_IO', `cannot read recipe '${file}'`, { file, cause });
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (cause) {
    throw new PareError(
      'PARE_CONFIG',
      `recipe '${file}' is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}`,
      {
        file,
        cause,
        notes: [cause instanceof Error ? cause.message : String(cause)],
      },
    );
  }
  return parseRecipe(data, file);
}
