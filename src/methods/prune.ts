// pruneModel: the whole pruning pipeline as one library verb. Analyse channel groups, score them
// with a criterion (measuring activations on calibration data when it needs them), allocate to the
// target, cut, optionally prove the cut and recover, and report costs before and after.

import { z } from 'zod';
import { type Allocation, type AllocationTarget, allocate } from '../allocate/allocate.js';
import type { AllocationConstraints } from '../allocate/constraints.js';
import type { LatencyModel } from '../allocate/latency-model.js';
import { analyzeChannels } from '../analysis/channel-groups.js';
import type { ChannelAnalysis } from '../analysis/channel-types.js';
import { CostModel } from '../analysis/cost-model.js';
import { createPlan } from '../analysis/plan.js';
import { type Importance, importanceWithCalibration } from '../criteria/importance.js';
import { type NormalizerName, normalizers } from '../criteria/normalizers.js';
import { type ReducerName, reducers } from '../criteria/reducers.js';
import { type CriterionName, criteria } from '../criteria/registry.js';
import type { BatchLoader } from '../data/batch-loader.js';
import type { Graph } from '../ir/graph.js';
import { cloneModel, type Model } from '../ir/model.js';
import { loaderFeeds } from '../measure/capture.js';
import { type CostReport, computeCosts } from '../ops/costs.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { nchwcBlock } from '../runtime/nchwc-block.js';
import { applyPlan } from '../surgery/apply-plan.js';
import { assertVerified, type VerifyResult, verifyPlan } from '../surgery/verify.js';
import { PareError } from '../util/errors.js';
import type { CountEvent, EventSink, StatusEvent } from '../util/events.js';
import {
  checkOptions,
  intAtLeast,
  namesOf,
  numberIn,
  type OptionSchemas,
  oneOf,
} from '../util/option-schemas.js';
import { ChannelMap } from './channel-masks.js';
import { type DeclaredInterface, withDeclaredInterface } from './declared-interface.js';
import { type GaSettings, gaPlan, gaSelect } from './ga-select.js';
import {
  cutToLatency,
  type LatencyGoal,
  type LatencyOptions,
  type LatencyReport,
  latencyModel,
  measurePair,
  predictedLatency,
  runnable,
} from './latency-target.js';
import { type RecipeName, recipeNames, withRecipe } from './recipes.js';
import {
  checkRecoveryData,
  type FsmRecovery,
  type LeastSquaresRecovery,
  type RecoveryName,
  type RecoveryReport,
  recoveries,
  recoveryNames,
} from './recoveries.js';

/** Kept widths: multiples of n, or 'auto' (the channel block of ONNX Runtime on this CPU). */
export const roundToSchema = z.union([z.literal('auto'), intAtLeast(1)], {
  error: "expected 'auto' or an integer ≥ 1",
});

/** The scalar options pruneModel checks (the CLI's flags parse with the same schemas). */
export const pruneOptionSchemas = {
  method: z.enum(recipeNames, { error: 'unknown method' }),
  criterion: oneOf(namesOf(criteria)),
  reduce: oneOf(namesOf(reducers)),
  normalize: oneOf(namesOf(normalizers)),
  minChannels: intAtLeast(1),
  maxRatio: numberIn(0, 1),
  roundTo: roundToSchema,
  calibrationSamples: intAtLeast(1),
  recover: oneOf(recoveryNames),
  threads: intAtLeast(1),
} satisfies OptionSchemas;

export interface PruneOptions extends Omit<AllocationConstraints, 'roundTo'> {
  /**
   * A published method's defaults (methods/recipes.ts) for what is left unset: criterion, recovery
   * and its options, calibration samples, keepResidual and how a MACs/params target is searched.
   */
  readonly method?: RecipeName;
  /** Importance criterion (default l1, or the method's). */
  readonly criterion?: CriterionName;
  /**
   * Kept widths are multiples of this (default 1). 'auto': the channel block of ONNX Runtime's CPU
   * kernels on this machine (runtime/nchwc-block.ts: 16 with AVX-512, 8 with AVX2, else 1).
   */
  readonly roundTo?: number | 'auto';
  /** Measure latency before and after (and where to cache the per-layer table of latency targets). */
  readonly latency?: LatencyOptions;
  /**
   * With `latency` and a MACs target searched globally: time the layers (cached table) and weigh
   * each group's time per MAC, so that the cut is as fast as its MACs say (allocate/latency-aware.ts).
   * Default true; false ranks by score alone.
   */
  readonly latencyAware?: boolean;
  /**
   * The input/output types declared by the file, before --input-shape fixed dims for analysis: the
   * result gets them back (dynamic dims stay dynamic) unless `fixShape`, and latency runs with them.
   */
  readonly declared?: DeclaredInterface;
  readonly fixShape?: boolean;
  readonly criterionOptions?: Readonly<Record<string, unknown>>;
  readonly reduce?: ReducerName;
  readonly normalize?: NormalizerName;
  readonly target:
    | Exclude<AllocationTarget, { kind: 'latency' }>
    | LatencyGoal
    | { readonly kind: 'criterion' };
  /** Calibration data (needed by activation criteria and by recovery). */
  readonly calibration?: BatchLoader;
  /** Samples of calibration data to use (default 512). */
  readonly calibrationSamples?: number;
  /** Recovery after the cut (default none, or the method's). */
  readonly recover?: RecoveryName;
  readonly leastSquares?: LeastSquaresRecovery;
  /** FSM recovery; with calibration data its labels drive the accept/rollback of each layer. */
  readonly fsm?: FsmRecovery;
  readonly verify?: boolean;
  readonly threads?: number;
  /**
   * GA channel selection (Hu et al. 2018; ga-select.ts): the allocation fixes each group's width, a
   * genetic algorithm chooses its channels layer by layer on the calibration data. Not with latency targets.
   */
  readonly ga?: GaSettings;
  /** Progress: a status line per stage, counts of layers timed for a latency table. */
  readonly onEvent?: EventSink<PruneEvent>;
}

/** What pruneModel reports while it runs. */
export type PruneEvent = StatusEvent | CountEvent;

/** PruneOptions after the method's and pare's defaults (withRecipe). */
export type ResolvedPruneOptions = PruneOptions &
  Required<Pick<PruneOptions, 'criterion' | 'recover' | 'calibrationSamples'>>;

export interface PruneResult {
  readonly model: Model;
  readonly analysis: ChannelAnalysis;
  readonly importance: Importance;
  readonly allocation: Allocation;
  readonly before: CostReport;
  readonly after: CostReport;
  readonly verify: VerifyResult | undefined;
  /** The width multiple used, and whether it was chosen automatically. */
  readonly roundTo: { readonly value: number; readonly auto: boolean };
  /** Measured latency, original against the result (with `latency` options or a latency target). */
  readonly latency: LatencyReport | undefined;
  readonly recovery: RecoveryReport | undefined;
  readonly seconds: {
    readonly analysis: number;
    readonly scoring: number;
    readonly surgery: number;
    readonly verify: number;
    readonly recovery: number;
  };
}

export async function pruneModel(model: Model, given: PruneOptions): Promise<PruneResult> {
  checkOptions('pruneModel', pruneOptionSchemas, given);
  const options = withRecipe(given);
  checkRecoveryData(options.recover, options.calibration);
  const status = (text: string) => options.onEvent?.({ kind: 'status', text });
  const clock = () => performance.now() / 1000;
  const m = cloneModel(model);
  if (m.graph.nodes.some((n) => n.outputs.some((o) => !o.type))) inferShapes(m.graph);
  const before = computeCosts(m.graph);
  let t = clock();
  status('analysing channel groups');
  const analysis = analyzeChannels(m.graph);
  const tAnalysis = clock() - t;

  t = clock();
  status(`scoring channels (${options.criterion})`);
  const input = m.graph.feedInputs[0]?.name;
  const limit = options.calibrationSamples ?? 512;
  const importance = await importanceWithCalibration(m, analysis, options.criterion, {
    ...(options.reduce ? { reduce: options.reduce } : {}),
    ...(options.normalize ? { normalize: options.normalize } : {}),
    ...(options.criterionOptions ? { options: options.criterionOptions } : {}),
    ...(options.calibration && input ? { batches: loaderFeeds(options.calibration, input, limit) } : {}),
    ...(options.calibration ? { labelled: { loader: options.calibration, samples: limit } } : {}),
    ...(options.threads ? { threads: options.threads, collect: { threads: options.threads } } : {}),
  });
  const tScoring = clock() - t;

  t = clock();
  status('allocating and cutting');
  const auto = options.roundTo === 'auto';
  const roundTo = auto ? await nchwcBlock() : ((options.roundTo as number | undefined) ?? 1);
  const constraints = { ...options, roundTo };
  const label = model.path ?? model.graph.name;
  const costModel = CostModel.build(m.graph, analysis);
  const cut = (target: AllocationTarget) => {
    const allocation = reselect(
      m.graph,
      importance,
      allocate(m.graph, analysis, importance.scores, target, { ...constraints, costModel }),
    );
    const graph = applyPlan(m.graph, allocation.plan, {
      analysis,
      model: label,
      ...(options.minChannels ? { minChannels: options.minChannels } : {}),
    });
    inferShapes(graph);
    return { allocation, graph };
  };
  const original = runnable(m, options.declared);
  let allocation: Allocation;
  let pruned: Graph;
  let latency: LatencyReport | undefined;
  // The per-layer table a latency-aware MACs target was cut on (its prediction goes in the report).
  let awareTable: LatencyModel | undefined;
  const goal = options.target;
  if (goal.kind === 'latency' || goal.kind === 'latency-ms') {
    if (options.ga)
      throw new PareError('PARE_CONFIG', 'GA selection with a latency target is not supported yet', {
        notes: ['give --target macs=F or params=F with --method ga'],
      });
    const graphs = new Map<Allocation, Graph>();
    const r = await cutToLatency(
      original,
      costModel,
      goal,
      roundTo,
      options.latency ?? {},
      (target) => {
        const c = cut(target);
        graphs.set(c.allocation, c.graph);
        return { allocation: c.allocation, model: runnable({ ...m, graph: c.graph }, options.declared) };
      },
      options.onEvent,
    );
    allocation = r.allocation;
    latency = r.latency;
    pruned = graphs.get(allocation)!;
  } else {
    let target: AllocationTarget;
    if (goal.kind === 'criterion' && 'keep' in goal) target = goal;
    else if (goal.kind === 'criterion') {
      if (!importance.suggestedKeep) {
        throw new PareError(
          'PARE_CONFIG',
          `criterion '${options.criterion}' does not choose its own ratio; give --target or --ratio`,
        );
      }
      target = { kind: 'criterion', keep: importance.suggestedKeep };
    } else target = goal;
    if (
      target.kind === 'macs' &&
      (target.search ?? 'global') === 'global' &&
      options.latency &&
      options.latencyAware !== false
    ) {
      awareTable = await latencyTable(costModel, roundTo, options.latency, options.onEvent);
      target = { ...target, latency: awareTable };
    }
    ({ allocation, graph: pruned } = cut(target));
    if (options.ga) ({ allocation, graph: pruned } = await gaCut(m, analysis, allocation, options, label));
  }
  const after = computeCosts(pruned);
  const tSurgery = clock() - t;

  t = clock();
  let verify: VerifyResult | undefined;
  if (options.verify) {
    status('verifying (masked original ≡ pruned)');
    verify = await verifyPlan(m, allocation.plan, {
      analysis,
      pruned,
      model: label,
      ...(options.threads ? { threads: options.threads } : {}),
    });
    assertVerified(verify, label);
  }
  const tVerify = clock() - t;

  t = clock();
  let result: Model = { ...m, graph: pruned, path: undefined };
  const recovered = await recoveries[options.recover]({
    original: m,
    pruned: result,
    analysis,
    allocation,
    calibration: options.calibration,
    samples: limit,
    leastSquares: options.leastSquares,
    fsm: options.fsm,
    threads: options.threads,
    onStage: status,
  });
  if (recovered) result = recovered.model;
  const recovery = recovered?.report;
  const tRecovery = clock() - t;
  // The written model keeps the file's dynamic dims (--input-shape only informed the analysis).
  if (options.declared && !options.fixShape) result = withDeclaredInterface(result, options.declared);
  if (!latency && options.latency) {
    status('measuring latency (original and pruned, interleaved)');
    latency = await measurePair(original, runnable(result, options.declared), options.latency);
    const aware = allocation.latencyAware;
    if (awareTable && aware)
      latency = {
        ...latency,
        ...predictedLatency(awareTable, costModel, allocation, aware.predicted, latency.beforeMs),
      };
  }
  return {
    model: result,
    roundTo: { value: roundTo, auto },
    latency,
    analysis,
    importance,
    allocation,
    before,
    after,
    verify,
    recovery,
    seconds: {
      analysis: tAnalysis,
      scoring: tScoring,
      surgery: tSurgery,
      verify: tVerify,
      recovery: tRecovery,
    },
  };
}

/** The per-layer table of a latency-aware MACs target; a failure says how to do without it. */
async function latencyTable(
  costModel: CostModel,
  roundTo: number,
  latency: LatencyOptions,
  onEvent: PruneOptions['onEvent'],
): Promise<LatencyModel> {
  try {
    return await latencyModel(costModel, roundTo, latency, onEvent);
  } catch (e) {
    if (!(e instanceof PareError) || e.isInternal) throw e;
    throw new PareError(e.code, `timing the layers for a latency-aware MACs target: ${e.message}`, {
      ...(e.file ? { file: e.file } : {}),
      ...(e.node ? { node: e.node } : {}),
      ...(e.tensor ? { tensor: e.tensor } : {}),
      notes: [...e.notes, '--no-latency-aware cuts by score alone without the table'],
      cause: e,
    });
  }
}

/**
 * Criteria with an exact count-based selection (lasso: λ bisected to the kept count) re-pick which
 * channels each group keeps once the allocation has fixed how many; the counts, and so the costs,
 * stay the same.
 */
function reselect(graph: Graph, importance: Importance, allocation: Allocation): Allocation {
  const select = importance.select;
  if (!select) return allocation;
  const kept = new Map(allocation.kept);
  for (const [id, keep] of allocation.kept) {
    const picked = select(id, keep.length);
    if (picked && picked.length === keep.length) kept.set(id, Int32Array.from(picked).sort());
  }
  const plan = createPlan(graph, Object.fromEntries([...kept].map(([id, k]) => [id, [...k]])));
  return { ...allocation, kept, plan };
}

/** The allocation's widths, the channels chosen by the GA (needs calibration data). */
async function gaCut(
  m: Model,
  analysis: ChannelAnalysis,
  allocation: Allocation,
  options: PruneOptions,
  label: string,
): Promise<{ allocation: Allocation; graph: Graph }> {
  const settings = options.ga!;
  if (!options.calibration)
    throw new PareError('PARE_CONFIG', 'GA selection needs calibration data (--calib SPEC)', {
      notes: ['labelled training images: the GA measures layer statistics and the loss on them'],
    });
  const status = (text: string) => options.onEvent?.({ kind: 'status', text });
  status('GA channel selection');
  const plan = await gaPlan(m, analysis, options.calibration, settings, options.threads);
  const r = await gaSelect({
    model: m,
    original: m,
    analysis,
    map: new ChannelMap(m.graph, analysis),
    groups: plan.order,
    widths: allocation.kept,
    kept: new Map(),
    calibration: options.calibration,
    settings,
    seed: options.calibration.seed,
    ...(options.threads ? { threads: options.threads } : {}),
    ...(options.onEvent ? { onStatus: status } : {}),
  });
  const gaPlanned = createPlan(m.graph, Object.fromEntries([...r.kept].map(([id, k]) => [id, [...k]])));
  const graph = applyPlan(m.graph, gaPlanned, {
    analysis,
    model: label,
    ...(options.minChannels ? { minChannels: options.minChannels } : {}),
  });
  inferShapes(graph);
  return { allocation: { ...allocation, kept: r.kept, plan: gaPlanned }, graph };
}
