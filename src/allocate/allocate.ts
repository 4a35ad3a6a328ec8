// allocate: from importance scores and a target to a PruningPlan (kept indices per group). The
// ratio per group comes from one of five modes; constraints then bound each group's width; every
// group keeps its highest-scored channels (lower index on ties).

import type { ChannelAnalysis } from '../analysis/channel-types.js';
import { CostModel, type Costs } from '../analysis/cost-model.js';
import { createPlan, type PruningPlan } from '../analysis/plan.js';
import type { Graph } from '../ir/graph.js';
import { PareError } from '../util/errors.js';
import { type AllocationConstraints, type Frozen, type GroupLimits, resolveLimits } from './constraints.js';
import { globalSequence, keptFromPrefix } from './global-order.js';
import { keepTop } from './keep-top.js';
import { type LatencyAwareReport, type LatencyPredictor, searchLatencyAware } from './latency-aware.js';
import type { LatencyModel } from './latency-model.js';
import { compilePattern } from './name-pattern.js';
import type { SensitivityCurves } from './sensitivity-curves.js';
import { searchTarget, type TargetReport } from './target-search.js';

export type AllocationTarget =
  /** Remove ⌊ratio·n⌋ channels of every prunable group. */
  | { readonly kind: 'uniform'; readonly ratio: number }
  /** Remove the ratio of all prunable channels with the lowest (normalised) scores, across groups. */
  | { readonly kind: 'global'; readonly ratio: number }
  /** Per-layer ratios: first pattern matching a producer ('out' member) of the group wins. */
  | {
      readonly kind: 'layers';
      readonly ratios: readonly { readonly pattern: string; readonly ratio: number }[];
      /** Ratio of groups no pattern matches (default 0). */
      readonly otherwise?: number;
    }
  /** Keep `fraction` of the model's MACs or parameters (exact prediction; bisection). */
  | {
      readonly kind: 'macs' | 'params';
      readonly fraction: number;
      /**
       * Bisection over the global score threshold (default), over one uniform ratio, or over an
       * accuracy-drop threshold on sensitivity curves (`curves`).
       */
      readonly search?: 'global' | 'uniform' | 'sensitivity';
      readonly curves?: SensitivityCurves;
      /** Accepted relative error of the kept cost (default 0.01: ±1 % of fraction·cost). */
      readonly tolerance?: number;
      /**
       * With the global search: weigh each group's measured time per MAC (latency-aware.ts), so
       * that the cut at this MACs fraction is as fast as the table predicts it can be.
       */
      readonly latency?: LatencyPredictor;
    }
  /**
   * Keep `fraction` of the predicted latency of the tabled layers (LatencyModel: per-layer times
   * measured on the target runtime); pruneModel checks the whole model measured.
   */
  | {
      readonly kind: 'latency';
      readonly fraction: number;
      readonly model: LatencyModel;
      readonly search?: 'global' | 'uniform';
      readonly tolerance?: number;
    }
  /** The criterion chooses the width (pfgdf: Importance.suggestedKeep). */
  | { readonly kind: 'criterion'; readonly keep: ReadonlyMap<string, number> };

export interface Allocation {
  readonly plan: PruningPlan;
  /** Kept channel indices (ascending) of every group that loses channels. */
  readonly kept: ReadonlyMap<string, Int32Array>;
  readonly base: Costs;
  /** Exact costs of the pruned model (CostModel). */
  readonly predicted: Costs;
  /** Groups that keep every channel whatever the target, and why. */
  readonly frozen: ReadonlyMap<string, Frozen>;
  /** For macs/params targets: what was reached, and why not closer when the target was missed. */
  readonly target: TargetReport | undefined;
  /** Latency-aware MACs/params targets: the weight chosen and the predicted latency it bought. */
  readonly latencyAware?: LatencyAwareReport;
}

export interface AllocateOptions extends AllocationConstraints {
  /** A cost model of this graph and analysis, when already built (targets reuse it). */
  readonly costModel?: CostModel;
}

export function allocate(
  graph: Graph,
  analysis: ChannelAnalysis,
  scores: ReadonlyMap<string, Float32Array>,
  target: AllocationTarget,
  options: AllocateOptions = {},
): Allocation {
  for (const [id, s] of scores) {
    const g = analysis.groups.find((x) => x.id === id);
    if (g && s.length !== g.size)
      throw new PareError(
        'PARE_CONFIG',
        `scores of group '${id}' have ${s.length} entries, the group ${g.size}`,
      );
  }
  const limits = resolveLimits(analysis.groups, new Set(scores.keys()), options);
  const model = options.costModel ?? CostModel.build(graph, analysis);
  let report: TargetReport | undefined;
  let latencyAware: LatencyAwareReport | undefined;
  let counts: Int32Array;
  switch (target.kind) {
    case 'uniform':
      counts = byRatio(limits, () => checkRatio(target.ratio));
      break;
    case 'layers': {
      const rules = target.ratios.map((r) => ({
        match: compilePattern(r.pattern),
        ratio: checkRatio(r.ratio),
      }));
      const otherwise = checkRatio(target.otherwise ?? 0);
      counts = byRatio(limits, (l) => {
        const producers = l.group.members.filter((m) => m.kind === 'out').map((m) => m.node);
        return rules.find((r) => producers.some((p) => r.match(p)))?.ratio ?? otherwise;
      });
      break;
    }
    case 'global': {
      const seq = globalSequence(limits, scores);
      const total = limits.reduce((t, l) => t + (l.frozen ? 0 : l.group.size), 0);
      counts = keptFromPrefix(
        limits,
        seq,
        Math.min(seq.length, Math.floor(checkRatio(target.ratio) * total + 1e-9)),
      );
      break;
    }
    case 'criterion':
      counts = Int32Array.from(limits, (l) => l.allowed(target.keep.get(l.group.id) ?? l.group.size));
      break;
    case 'macs':
    case 'params':
    case 'latency': {
      if (target.kind !== 'latency' && target.latency && (target.search ?? 'global') === 'global') {
        const r = searchLatencyAware(limits, scores, model, target, options.roundTo ?? 1, target.latency);
        [counts, report, latencyAware] = [r.counts, r.report, r.aware];
        break;
      }
      const r = searchTarget(
        limits,
        scores,
        model,
        target,
        options.roundTo,
        target.kind === 'latency' ? target.model : undefined,
      );
      counts = r.counts;
      report = r.report;
      break;
    }
  }
  const kept = new Map<string, Int32Array>();
  limits.forEach((l, i) => {
    if (counts[i]! < l.group.size) kept.set(l.group.id, keepTop(scores.get(l.group.id)!, counts[i]!));
  });
  const plan = createPlan(graph, Object.fromEntries([...kept].map(([id, k]) => [id, [...k]])));
  const frozen = new Map<string, Frozen>();
  for (const l of limits) if (l.frozen) frozen.set(l.group.id, l.frozen);
  return {
    plan,
    kept,
    base: model.base,
    predicted: model.predictCounts(counts),
    frozen,
    target: report,
    ...(latencyAware ? { latencyAware } : {}),
  };
}

/** Kept counts when group i loses ⌊ratio_i·n⌋ channels, bounded by its limits. */
export function byRatio(limits: readonly GroupLimits[], ratioOf: (l: GroupLimits) => number): Int32Array {
  return Int32Array.from(limits, (l) => {
    const n = l.group.size;
    if (l.frozen) return n;
    return l.allowed(n - Math.floor(ratioOf(l) * n + 1e-9));
  });
}

function checkRatio(r: number): number {
  if (!(r >= 0 && r <= 1))
    throw new PareError('PARE_CONFIG', `pruning ratio ${r} is not a fraction in [0, 1]`, {
      notes: ['a ratio is the fraction of channels removed: 0.3 removes 30 %'],
    });
  return r;
}
