// pruneModel: the whole pruning pipeline as one library verb. Analyse channel groups, score them
// with a criterion (measuring activations on calibration data when it needs them), allocate to the
// target, cut, optionally prove the cut and recover, and report costs before and after.

import { type Allocation, type AllocationTarget, allocate } from '../allocate/allocate.js';
import type { AllocationConstraints } from '../allocate/constraints.js';
import { analyzeChannels } from '../analysis/channel-groups.js';
import type { ChannelAnalysis } from '../analysis/channel-types.js';
import { CostModel } from '../analysis/cost-model.js';
import { createPlan } from '../analysis/plan.js';
import { valueKeeps } from '../analysis/value-keeps.js';
import { type Importance, importanceWithCalibration } from '../criteria/importance.js';
import type { NormalizerName } from '../criteria/normalizers.js';
import type { ReducerName } from '../criteria/reducers.js';
import type { BatchLoader } from '../data/batch-loader.js';
import type { Graph } from '../ir/graph.js';
import { cloneModel, type Model } from '../ir/model.js';
import { loaderFeeds } from '../measure/capture.js';
import { type CostReport, computeCosts } from '../ops/costs.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { recalibrateBatchNorm, recalibrateFolded } from '../recover/bn-recalibrate.js';
import { compensateFeatureShift, type FsmDistributionOptions } from '../recover/fsm-distribution.js';
import {
  type LayerReconstruction,
  type LeastSquaresOptions,
  reconstructedLayers,
  reconstructLeastSquares,
} from '../recover/least-squares.js';
import { nchwcBlock } from '../runtime/nchwc-block.js';
import { applyPlan } from '../surgery/apply-plan.js';
import { assertVerified, type VerifyResult, verifyPlan } from '../surgery/verify.js';
import { PareError } from '../util/errors.js';
import { ChannelMap } from './channel-masks.js';
import { type DeclaredInterface, withDeclaredInterface } from './declared-interface.js';
import { type GaSettings, gaPlan, gaSelect } from './ga-select.js';
import {
  cutToLatency,
  type LatencyGoal,
  type LatencyOptions,
  type LatencyReport,
  measurePair,
  runnable,
} from './latency-target.js';

export type RecoveryName = 'none' | 'bn' | 'fsm' | 'ls';

export const recoveryNames: readonly RecoveryName[] = ['none', 'bn', 'fsm', 'ls'];

/** Options of FSM's distribution optimisation ('fsm'). */
export type FsmRecovery = Pick<FsmDistributionOptions, 'gate' | 'mode' | 'folded'>;

/** Options of the least-squares recovery ('ls'). */
export type LeastSquaresRecovery = Pick<
  LeastSquaresOptions,
  'ridge' | 'features' | 'residual' | 'rescaleVariance'
>;

export interface PruneOptions extends Omit<AllocationConstraints, 'roundTo'> {
  readonly criterion: string;
  /**
   * Kept widths are multiples of this (default 1). 'auto': the channel block of ONNX Runtime's CPU
   * kernels on this machine (runtime/nchwc-block.ts: 16 with AVX-512, 8 with AVX2, else 1).
   */
  readonly roundTo?: number | 'auto';
  /** Measure latency before and after (and where to cache the per-layer table of latency targets). */
  readonly latency?: LatencyOptions;
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
  readonly onStage?: (stage: string) => void;
}

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
  readonly recovery:
    | {
        readonly method: RecoveryName;
        /** Calibration images used (per pass). */
        readonly samples: number;
        readonly seconds: number;
        /** Least squares: per refitted layer, the output error before and after. */
        readonly layers?: readonly LayerReconstruction[];
        /** BN: convolutions whose folded BatchNorm was recalibrated (scale and shift corrected). */
        readonly foldedLayers?: number;
        /** FSM: layers compensated, and how many were kept / rolled back on the held-out labels. */
        readonly compensated?: {
          readonly layers: number;
          readonly accepted: number;
          readonly rolledBack: number;
        };
      }
    | undefined;
  readonly seconds: {
    readonly analysis: number;
    readonly scoring: number;
    readonly surgery: number;
    readonly verify: number;
    readonly recovery: number;
  };
}

export async function pruneModel(model: Model, options: PruneOptions): Promise<PruneResult> {
  const clock = () => performance.now() / 1000;
  const m = cloneModel(model);
  if (m.graph.nodes.some((n) => n.outputs.some((o) => !o.type))) inferShapes(m.graph);
  const before = computeCosts(m.graph);
  let t = clock();
  options.onStage?.('analysing channel groups');
  const analysis = analyzeChannels(m.graph);
  const tAnalysis = clock() - t;

  t = clock();
  options.onStage?.(`scoring channels (${options.criterion})`);
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
  options.onStage?.('allocating and cutting');
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
      options.onStage,
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
    ({ allocation, graph: pruned } = cut(target));
    if (options.ga) ({ allocation, graph: pruned } = await gaCut(m, analysis, allocation, options, label));
  }
  const after = computeCosts(pruned);
  const tSurgery = clock() - t;

  t = clock();
  let verify: VerifyResult | undefined;
  if (options.verify) {
    options.onStage?.('verifying (masked original ≡ pruned)');
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
  let recovery: PruneResult['recovery'];
  const method = options.recover ?? 'none';
  if (method === 'bn') {
    const calibration = options.calibration;
    if (!calibration || !input)
      throw new PareError('PARE_CONFIG', '--recover bn needs calibration data (--calib SPEC)');
    options.onStage?.('recalibrating BatchNorm statistics');
    const r = await recalibrateBatchNorm(result, calibration, {
      samples: limit,
      ...(options.threads ? { threads: options.threads } : {}),
    });
    result = r.model;
    let seconds = r.seconds;
    let samples = r.samples;
    // Folded BN (no BatchNormalization after a conv): correct the conv's own scale and shift.
    const folded = foldedLayers(result.graph, reconstructedLayers(result.graph, analysis, allocation.kept));
    if (folded.length > 0) {
      options.onStage?.('recalibrating folded BatchNorm (conv scale and shift)');
      const f = await recalibrateFolded(
        m,
        result,
        folded,
        valueKeeps(analysis, allocation.kept),
        () => loaderFeeds(calibration, input, limit),
        options.threads ? { threads: options.threads } : {},
      );
      result = f.model;
      seconds += f.seconds;
      samples = Math.max(samples, f.samples);
    }
    recovery = { method, samples, seconds, ...(folded.length > 0 ? { foldedLayers: folded.length } : {}) };
  } else if (method === 'ls') {
    const calibration = options.calibration;
    if (!calibration || !input)
      throw new PareError('PARE_CONFIG', '--recover ls needs calibration data (--calib SPEC)', {
        notes: ['a few hundred unlabeled training images are enough (--calib-samples, default 512)'],
      });
    options.onStage?.('least-squares reconstruction');
    const r = await reconstructLeastSquares(
      m,
      result,
      analysis,
      allocation.kept,
      () => loaderFeeds(calibration, input, limit),
      { ...options.leastSquares, ...(options.threads ? { threads: options.threads } : {}) },
    );
    result = r.model;
    recovery = { method, samples: r.samples, seconds: r.seconds, layers: r.layers };
  } else if (method === 'fsm') {
    options.onStage?.('FSM distribution optimisation');
    const calibration = options.calibration;
    const r = await compensateFeatureShift(m, result, analysis, allocation.plan, {
      ...options.fsm,
      ...(calibration
        ? { heldOut: calibration, heldOutSamples: limit, calibration, calibrationSamples: limit }
        : {}),
      ...(options.threads ? { threads: options.threads } : {}),
    });
    result = r.model;
    recovery = {
      method,
      samples: calibration ? limit : 0,
      seconds: r.seconds,
      compensated: { layers: r.layers, accepted: r.accepted, rolledBack: r.rolledBack },
    };
  } else if (method !== 'none') {
    throw new PareError('PARE_CONFIG', `unknown recovery '${method}'`, {
      notes: [`valid: ${recoveryNames.join(', ')}`],
    });
  }
  const tRecovery = clock() - t;
  // The written model keeps the file's dynamic dims (--input-shape only informed the analysis).
  if (options.declared && !options.fixShape) result = withDeclaredInterface(result, options.declared);
  if (!latency && options.latency) {
    options.onStage?.('measuring latency (original and pruned, interleaved)');
    latency = await measurePair(original, runnable(result, options.declared), options.latency);
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

/**
 * Convolutions whose BatchNorm was folded away (no BatchNormalization reads them), from the first
 * layer that lost inputs on, in graph order: their outputs shifted and no BN can re-normalise them.
 */
function foldedLayers(graph: Graph, consumers: readonly string[]): string[] {
  const first = graph.nodes.findIndex((n) => consumers.includes(n.name));
  if (first < 0) return [];
  return graph.nodes
    .slice(first)
    .filter(
      (n) =>
        n.opType === 'Conv' &&
        n.domain === '' &&
        !n.output(0).uses.some((u) => u.node.opType === 'BatchNormalization'),
    )
    .map((n) => n.name);
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
  options.onStage?.('GA channel selection');
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
    ...(options.onStage ? { onStatus: options.onStage } : {}),
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
