// The run record: what one pare run (prune, train, compress, sensitivity) wrote down, as plain JSON.
// It is the JSON report (`--report FILE.json`) and the input of the HTML report; every field but the
// header is optional, so each command fills what it knows. The shape is documented in docs/report.md.

import { z } from 'zod';
import { PareError } from '../util/errors.js';

export const RUN_FORMAT = 'pare.run';
export const RUN_VERSION = 1;

/** The size and quality of one model: a run's `before` and `after`. */
const metricsSchema = z.object({
  params: z.number().optional(),
  macs: z.number().optional(),
  /** Median ONNX Runtime latency, batch 1, milliseconds. */
  latencyMs: z.number().optional(),
  /** Top-1 accuracy in [0, 1] on `accuracyData` (the run's evaluation data). */
  accuracy: z.number().nullable().optional(),
  loss: z.number().nullable().optional(),
});

/** One layer (a node with parameters or MACs), in graph order. */
const layerSchema = z.object({
  name: z.string(),
  op: z.string(),
  /** Output channels (Conv) or features (Gemm) before and after; absent when not known. */
  widthBefore: z.number().optional(),
  widthAfter: z.number().optional(),
  macsBefore: z.number(),
  macsAfter: z.number(),
  paramsBefore: z.number(),
  paramsAfter: z.number(),
  /** Per-layer latency predicted by the run's latency table (latency targets), milliseconds. */
  latencyMsBefore: z.number().optional(),
  latencyMsAfter: z.number().optional(),
});

/** One channel group: its width, what the plan kept, and why it could not be pruned. */
const groupSchema = z.object({
  id: z.string(),
  channels: z.number(),
  kept: z.number(),
  /** Why the group cannot be pruned at all (analysis); empty or absent when it can. */
  blockers: z.array(z.string()).optional(),
  /** Why a prunable group was left whole by this run (`residual`, or the criterion's reason). */
  frozen: z.string().optional(),
  skipped: z.string().optional(),
});

/** One training epoch (train, compress). */
const epochSchema = z.object({
  epoch: z.number(),
  trainLoss: z.number(),
  trainAcc: z.number(),
  testAcc: z.number().nullable().optional(),
  testLoss: z.number().nullable().optional(),
  lr: z.number().optional(),
  seconds: z.number().optional(),
});

/**
 * Sensitivity (`pare sensitivity`): for each group or layer, the model's accuracy (and loss) when
 * that one unit alone is pruned by `ratio`, the rest intact. `ratio` 0 is the unpruned model.
 */
const sensitivitySchema = z.object({
  criterion: z.string().optional(),
  recovery: z.string().optional(),
  metric: z.enum(['accuracy', 'loss']).optional(),
  curves: z.array(
    z.object({
      /** A group id or layer name. */
      unit: z.string(),
      points: z.array(
        z.object({
          ratio: z.number(),
          accuracy: z.number().nullable().optional(),
          loss: z.number().nullable().optional(),
        }),
      ),
    }),
  ),
});

export const runRecordSchema = z
  .object({
    format: z.literal(RUN_FORMAT),
    version: z.literal(RUN_VERSION),
    kind: z.string(),
    /** The command line that produced the run, as typed. */
    command: z.string().optional(),
    createdAt: z.string().optional(),
    model: z.string(),
    output: z.string().optional(),
    method: z.string().optional(),
    criterion: z.string().optional(),
    /** How per-member scores were combined into one score per channel, and normalised per group. */
    scoring: z.object({ reduce: z.string(), scoreNormalization: z.string() }).optional(),
    /** The data preprocessing the run applied (pixels in [0, 1], then this). */
    preprocess: z
      .object({
        normalize: z
          .object({ mean: z.array(z.number()).readonly(), std: z.array(z.number()).readonly() })
          .optional(),
        resize: z.tuple([z.number(), z.number()]).readonly().optional(),
      })
      .nullable()
      .optional(),
    /** The data `accuracy` was measured on. */
    accuracyData: z.string().optional(),
    before: metricsSchema.optional(),
    after: metricsSchema.optional(),
    layers: z.array(layerSchema).optional(),
    groups: z.array(groupSchema).optional(),
    history: z.array(epochSchema).optional(),
    sensitivity: sensitivitySchema.optional(),
  })
  .loose();

export type RunMetrics = z.infer<typeof metricsSchema>;
export type LayerRecord = z.infer<typeof layerSchema>;
export type GroupRecord = z.infer<typeof groupSchema>;
export type EpochRecord = z.infer<typeof epochSchema>;
export type SensitivityRecord = z.infer<typeof sensitivitySchema>;
export type RunRecord = z.infer<typeof runRecordSchema>;

/** What `pare sensitivity -o FILE` writes (methods/sensitivity.ts), read as a run record. */
const sensitivityResultSchema = z.object({
  kind: z.literal('sensitivity'),
  model: z.string(),
  criterion: z.string(),
  recovery: z.string(),
  samples: z.number().optional(),
  baseline: z.object({ top1: z.number(), loss: z.number() }),
  groups: z.array(
    z.object({
      id: z.string(),
      name: z.string().optional(),
      channels: z.number().optional(),
      points: z.array(z.object({ ratio: z.number(), top1: z.number(), loss: z.number() })),
    }),
  ),
});

/** The sensitivity result as a run record: one curve per group, starting at the unpruned model. */
function sensitivityRun(r: z.infer<typeof sensitivityResultSchema>): RunRecord {
  const start = { ratio: 0, accuracy: r.baseline.top1, loss: r.baseline.loss };
  return {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    kind: 'sensitivity',
    model: r.model,
    criterion: r.criterion,
    before: { accuracy: r.baseline.top1, loss: r.baseline.loss },
    sensitivity: {
      criterion: r.criterion,
      recovery: r.recovery,
      metric: 'accuracy',
      curves: r.groups.map((g) => ({
        unit: g.name && g.name !== g.id ? `${g.id} (${g.name})` : g.id,
        points: [start, ...g.points.map((p) => ({ ratio: p.ratio, accuracy: p.top1, loss: p.loss }))],
      })),
    },
  };
}

/**
 * Read a run record from JSON text; `file` names it in errors (with the dotted path that is wrong).
 * A `pare sensitivity` result is accepted too, and read as a sensitivity run.
 */
export function parseRunRecord(text: string, file: string): RunRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new PareError('PARE_DATA', `run record '${file}' is not JSON (${(cause as Error).message})`, {
      file,
      cause,
      notes: ['pass the JSON written by --report FILE.json or --json'],
    });
  }
  const asSensitivity = sensitivityResultSchema.safeParse(data);
  if (asSensitivity.success) return sensitivityRun(asSensitivity.data);
  const parsed = runRecordSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const at = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  const isHeader = issue.path[0] === 'format' || issue.path[0] === 'version';
  throw new PareError('PARE_DATA', `run record '${file}': ${at}: ${issue.message}`, {
    file,
    notes: [
      isHeader
        ? `expected a pare run record ("format": "${RUN_FORMAT}", "version": ${RUN_VERSION}), as written by pare prune/train --report FILE.json`
        : 'see docs/report.md for the run record fields',
    ],
  });
}
