// Sensitivity analysis: how much accuracy and loss each channel group costs when it alone is
// pruned by a ratio (its lowest-scored channels by the criterion), with an optional BatchNorm
// recalibration, evaluated on held-out data. The evaluations run in a pool of worker threads.
// The result's JSON shape is shared with the HTML report (docs/criteria.md, "Sensitivity").

import { keepTop } from '../allocate/keep-top.js';
import { analyzeChannels } from '../analysis/channel-groups.js';
import { createPlan } from '../analysis/plan.js';
import { importanceWithCalibration } from '../criteria/importance.js';
import type { CriterionName } from '../criteria/registry.js';
import type { BatchLoader } from '../data/batch-loader.js';
import { cloneModel, type Model } from '../ir/model.js';
import { loaderFeeds } from '../measure/capture.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { recalibrateBatchNorm } from '../recover/bn-recalibrate.js';
import { applyPlan } from '../surgery/apply-plan.js';
import { PareError } from '../util/errors.js';
import type { CountEvent, EventSink } from '../util/events.js';
import { collectBatches, EvalPool } from './eval-pool.js';

export interface SensitivityOptions {
  readonly criterion: CriterionName;
  readonly criterionOptions?: Readonly<Record<string, unknown>>;
  /** Fractions of each group's channels removed (default 0.1, 0.3, 0.5, 0.7, 0.9). */
  readonly ratios?: readonly number[];
  /** 'bn': re-estimate BatchNorm statistics on the calibration data after each cut. */
  readonly recover?: 'none' | 'bn';
  /** Held-out data the accuracy and loss are measured on. */
  readonly evaluation: BatchLoader;
  /** Samples of the evaluation data used (default 1000). */
  readonly samples?: number;
  /** Calibration data (activation criteria, BN recalibration). */
  readonly calibration?: BatchLoader;
  readonly calibrationSamples?: number;
  /** Worker threads evaluating in parallel (default 2), one ORT thread each. */
  readonly workers?: number;
  /** Evaluations done of all (a count event after each). */
  readonly onEvent?: EventSink<CountEvent>;
}

export interface SensitivityPoint {
  readonly ratio: number;
  readonly top1: number;
  readonly loss: number;
}

export interface SensitivityResult {
  readonly kind: 'sensitivity';
  readonly model: string;
  readonly criterion: string;
  readonly recovery: 'none' | 'bn';
  readonly metric: 'top1';
  readonly samples: number;
  /** The unpruned model on the same samples. */
  readonly baseline: { readonly top1: number; readonly loss: number };
  readonly groups: readonly {
    readonly id: string;
    /** The first producer (conv) of the group's channels. */
    readonly name: string;
    readonly channels: number;
    readonly points: readonly SensitivityPoint[];
  }[];
  readonly seconds: number;
}

export async function sensitivity(model: Model, options: SensitivityOptions): Promise<SensitivityResult> {
  const t0 = performance.now();
  const ratios = options.ratios ?? [0.1, 0.3, 0.5, 0.7, 0.9];
  for (const r of ratios)
    if (!(r > 0 && r < 1))
      throw new PareError('PARE_CONFIG', `sensitivity ratio ${r}: expected a fraction in (0, 1)`);
  const recovery = options.recover ?? 'none';
  if (recovery === 'bn' && !options.calibration)
    throw new PareError(
      'PARE_CONFIG',
      'sensitivity with BN recalibration needs calibration data (--calib SPEC)',
    );
  const m = cloneModel(model);
  if (m.graph.nodes.some((n) => n.outputs.some((o) => !o.type))) inferShapes(m.graph);
  const analysis = analyzeChannels(m.graph);
  const input = m.graph.feedInputs[0]?.name;
  const output = m.graph.outputs[0]?.name;
  if (!input || !output)
    throw new PareError(
      'PARE_BAD_MODEL',
      `model '${model.path ?? m.graph.name}' needs an input and an output`,
    );
  const calibSamples = options.calibrationSamples ?? 512;
  const importance = await importanceWithCalibration(m, analysis, options.criterion, {
    ...(options.criterionOptions ? { options: options.criterionOptions } : {}),
    ...(options.calibration ? { batches: loaderFeeds(options.calibration, input, calibSamples) } : {}),
  });
  const groups = analysis.groups.filter((g) => g.blockers.length === 0 && importance.scores.has(g.id));
  const samples = options.samples ?? 1000;
  const batches = await collectBatches(options.evaluation, samples);
  const pool = new EvalPool({ batches, input, output, threads: 1 }, options.workers ?? 2);
  const label = model.path ?? m.graph.name;
  try {
    const baseline = await pool.evaluate(m, `${label} (unpruned)`);
    const tasks = groups.flatMap((g, gi) => ratios.map((ratio, ri) => ({ g, gi, ratio, ri })));
    const points = groups.map(() => new Array<SensitivityPoint>(ratios.length));
    let next = 0;
    let done = 0;
    let calibTurn: Promise<unknown> = Promise.resolve();
    // As many builders as workers: each cuts one model (main thread), then waits for its
    // evaluation, so at most `workers` pruned copies exist at once.
    const builder = async () => {
      for (let t = tasks[next++]; t; t = tasks[next++]) {
        const keep = Math.max(1, t.g.size - Math.floor(t.ratio * t.g.size + 1e-9));
        const plan = createPlan(m.graph, { [t.g.id]: [...keepTop(importance.scores.get(t.g.id)!, keep)] });
        let pruned: Model = {
          ...m,
          graph: applyPlan(m.graph, plan, { analysis, model: label }),
          path: undefined,
        };
        if (recovery === 'bn') {
          // One calibration loader: recalibrations take turns (a loader iterates one epoch at a time).
          const model = pruned;
          const turn = calibTurn.then(() =>
            recalibrateBatchNorm(model, options.calibration!, { samples: calibSamples }),
          );
          calibTurn = turn.then(
            () => undefined,
            () => undefined,
          );
          pruned = (await turn).model;
        }
        const r = await pool.evaluate(pruned, `${label} with ${t.g.id} at ratio ${t.ratio}`);
        points[t.gi]![t.ri] = { ratio: t.ratio, top1: r.top1, loss: r.loss };
        options.onEvent?.({ kind: 'count', what: 'evaluations', done: ++done, total: tasks.length });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.workers ?? 2) }, builder));
    return {
      kind: 'sensitivity',
      model: label,
      criterion: importance.criterion,
      recovery,
      metric: 'top1',
      samples: batches.reduce((n, b) => n + b.dims[0]!, 0),
      baseline,
      groups: groups.map((g, i) => ({
        id: g.id,
        name: g.members.find((x) => x.kind === 'out')?.node ?? g.id,
        channels: g.size,
        points: points[i]!,
      })),
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await pool.close();
  }
}
