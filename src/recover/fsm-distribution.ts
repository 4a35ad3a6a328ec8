// FSM "distribution optimization" (Duan et al., Network Pruning via Feature Shift Minimization, ACCV
// 2022; lscgx/FSM main.py get_effect_for_dstr): after a consumer loses input channels, the BN that
// follows it still normalises with the old running mean. With s_jk the signed kernel sum of W[j, k]
// and e_k = E[input channel k] (Gaussian moments, fsm-moments.ts), per output channel j:
//   E_full = Σ_all s_jk·e_k + b_j,  E_kept = Σ_kept s_jk·e_k + b_j,  ρ = E_full / μ_j;
//   if ρ > gate: μ_j ← μ_j·E_kept/E_full,  σ²_j ← σ²_j·(1 − r)  (r: fraction of inputs removed).
// Each layer's change is kept only when held-out top-1 does not drop (the authors' rollback).
// Our choices: the conv/Gemm bias b_j enters both sums (0 in the authors' nets); e_k is the moment of
// the value the consumer reads (ReLU, Add, pooling walked through). Consumers without a BN (folded at
// export, methods.md §1(f)) optionally get y' = a·y + b per output channel so the pruned output's
// measured mean/std match the original's: our adaptation, UNCONFIRMED as equivalent to the paper.

import type { ChannelAnalysis } from '../analysis/channel-types.js';
import { checkPlan, type PruningPlan } from '../analysis/plan.js';
import { valueKeeps } from '../analysis/value-keeps.js';
import { type MomentsOptions, MomentsWalk } from '../criteria/fsm-moments.js';
import type { BatchLoader } from '../data/batch-loader.js';
import { cloneModel, type Model } from '../ir/model.js';
import type { Tensor } from '../ir/tensor.js';
import { type ChannelStats, collectActivationStats } from '../measure/activation-stats.js';
import { loaderFeeds } from '../measure/capture.js';
import { FeedableSession } from '../measure/feedable-session.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { PareError } from '../util/errors.js';
import {
  affineChange,
  affineParams,
  bnChange,
  constInput,
  findTargets,
  mustNode,
  removedFraction,
} from './fsm-shift.js';

export interface FsmDistributionOptions {
  /** Compensate output channel j only when ρ_j = E_full/μ_j exceeds this (authors: 0; ResNet-50: 0.5). */
  readonly gate?: number;
  /** Accept/rollback each layer in graph order, or all layers together (default 'per-layer'). */
  readonly mode?: 'per-layer' | 'all-at-once';
  /** Labelled held-out data: a change is undone when top-1 drops. Without it every change is kept. */
  readonly heldOut?: BatchLoader;
  /** Held-out samples per evaluation (default 1000). */
  readonly heldOutSamples?: number;
  /** Calibration data: measured moments where no BN models a consumed value, and `folded`. */
  readonly calibration?: BatchLoader;
  /** Calibration samples (default 256). */
  readonly calibrationSamples?: number;
  /** Also correct consumers not followed by a BN by matching measured output moments (default false). */
  readonly folded?: boolean;
  /** Where e_k comes from (fsm-moments.ts; default 'auto': BN parameters, else measured). */
  readonly source?: MomentsOptions['source'];
  readonly negativeGamma?: MomentsOptions['negativeGamma'];
  readonly threads?: number;
}

export interface LayerCompensation {
  /** The consumer (Conv/Gemm) that lost input channels. */
  readonly node: string;
  /** The node whose parameters changed: the BN after the consumer, or the consumer itself (folded). */
  readonly target: string;
  readonly kind: 'bn-statistics' | 'affine';
  /** Output channels changed, of `outOf` in the pruned model. */
  readonly channels: number;
  readonly outOf: number;
  /** Fraction of the consumer's input positions removed (r). */
  readonly removed: number;
  readonly accepted: boolean;
  /** Held-out top-1 before and after this change (per-layer mode with held-out data). */
  readonly top1Before?: number;
  readonly top1After?: number;
}

export interface FsmDistributionResult {
  readonly model: Model;
  /** Layers compensated (changed at least one channel). */
  readonly layers: number;
  readonly accepted: number;
  readonly rolledBack: number;
  readonly details: readonly LayerCompensation[];
  /** Consumers left alone, with why. */
  readonly skipped: readonly { readonly node: string; readonly reason: string }[];
  /** Held-out top-1 before and after the whole step (when held-out data was given). */
  readonly top1?: { readonly before: number; readonly after: number };
  /** Samples run in all: every held-out evaluation and every calibration pass. */
  readonly samples: number;
  readonly seconds: number;
}

/**
 * Compensate the feature shift left by a plan: `original` is the unpruned model the plan and
 * `analysis` were made for, `pruned` the result of applying the plan to it. Returns a new model.
 */
export async function compensateFeatureShift(
  original: Model,
  pruned: Model,
  analysis: ChannelAnalysis,
  plan: PruningPlan,
  options: FsmDistributionOptions = {},
): Promise<FsmDistributionResult> {
  const t0 = performance.now();
  const label = original.path ?? original.graph.name;
  const heldOutSet = options.heldOut?.dataset;
  if (heldOutSet && heldOutSet.numClasses < 2)
    throw new PareError(
      'PARE_DATA',
      `held-out data '${heldOutSet.name}' has ${heldOutSet.numClasses} class(es); accept/rollback needs labels`,
    );
  let orig = original;
  if (orig.graph.nodes.some((n) => n.outputs.some((o) => !o.type?.shape))) {
    orig = cloneModel(original);
    inferShapes(orig.graph);
  }
  const kept = checkPlan(plan, orig.graph, analysis, { model: label });
  const keeps = valueKeeps(analysis, kept);
  const skipped: { node: string; reason: string }[] = [];
  const targets = findTargets(orig.graph, analysis, kept, keeps, skipped);
  const folded = options.folded ?? false;
  const bnTargets = targets.filter((t) => t.bn);
  const affineTargets = folded ? targets.filter((t) => !t.bn) : [];
  for (const t of targets)
    if (!t.bn && !folded)
      skipped.push({ node: t.node.name, reason: 'no BatchNormalization after it (folded: enable `folded`)' });
  if (affineTargets.length > 0 && !options.calibration)
    throw new PareError(
      'PARE_CONFIG',
      `compensating consumers without BatchNormalization ('${affineTargets[0]!.node.name}') needs calibration data`,
      { notes: ['pass calibration data, or leave `folded` off to compensate only BN-followed layers'] },
    );

  // e_k of every BN target's input, from BN parameters or measured on the original model.
  const calibLimit = options.calibrationSamples ?? 256;
  let samples = 0;
  const momentsOptions: MomentsOptions = {
    source: options.source ?? 'auto',
    negativeGamma: options.negativeGamma ?? 'abs',
  };
  const probe = new MomentsWalk(orig.graph, momentsOptions, () => undefined);
  for (const t of bnTargets) probe.of(orig.graph.mustValue(t.member.value));
  const requests = [
    ...[...probe.missing.keys()].map((value) => ({ value, axis: 1 })),
    ...affineTargets.map((t) => ({ value: t.node.outputs[0]!.name, axis: 1 })),
  ];
  if (probe.missing.size > 0 && !options.calibration) {
    const first = [...probe.missing.values()][0]!;
    throw new PareError('PARE_DATA', `FSM compensation of '${label}': ${first}`, {
      notes: ['pass calibration data to measure it, or use a model exported with its BatchNormalization'],
    });
  }
  let measured = 0;
  const stats =
    requests.length > 0 && options.calibration
      ? await collectActivationStats(
          orig,
          requests,
          loaderFeeds(options.calibration, orig.graph.feedInputs[0]!.name, calibLimit),
          {
            onBatch: (n) => {
              measured = n;
            },
            ...(options.threads ? { threads: options.threads } : {}),
          },
        )
      : new Map<string, ChannelStats>();
  samples += measured;
  const walk = new MomentsWalk(orig.graph, momentsOptions, (v) => stats.get(v.name));

  // Every parameter a change may touch is fed, so one session serves every try.
  const work = cloneModel(pruned);
  const params: string[] = [];
  for (const t of bnTargets) {
    const bn = mustNode(work.graph, t.bn!.name, label);
    params.push(constInput(bn, 3, label).name, constInput(bn, 4, label).name);
  }
  for (const t of affineTargets) params.push(...affineParams(work.graph, t, label));
  if (bnTargets.length + affineTargets.length === 0) return done(work, [], skipped, undefined, samples, t0);
  const session = await FeedableSession.create(
    work,
    params,
    affineTargets.map((t) => t.node.outputs[0]!.name),
    options.threads ? { threads: options.threads } : {},
  );
  const details: LayerCompensation[] = [];
  let top1: { before: number; after: number } | undefined;
  try {
    const heldOut = options.heldOut;
    const evalLimit = options.heldOutSamples ?? 1000;
    const evaluate = async () => {
      const r = await session.top1(heldOut!, evalLimit);
      samples += r.samples;
      return r.top1;
    };
    const perLayer = (options.mode ?? 'per-layer') === 'per-layer';
    let current = heldOut ? await evaluate() : undefined;
    const start = current;
    // Graph order: a folded layer is measured with every earlier change in place.
    const order = targets.filter((t) => t.bn || folded);
    const undo = new Map<string, Tensor>();
    for (const t of order) {
      let change: { edits: Map<string, Tensor>; channels: number; outOf: number };
      if (t.bn) change = bnChange(work.graph, t, walk, options.gate ?? 0, label);
      else {
        const m = await session.channelMoments(options.calibration!, t.node.outputs[0]!.name, calibLimit);
        samples += m.samples;
        change = affineChange(work.graph, t, session.params, stats.get(t.node.outputs[0]!.name)!, m);
      }
      if (change.channels === 0) {
        const why = t.bn ? `no output channel passed the gate (ρ > ${options.gate ?? 0})` : 'already matched';
        skipped.push({ node: t.node.name, reason: why });
        continue;
      }
      const before = new Map([...change.edits.keys()].map((k) => [k, session.params.get(k)!]));
      for (const [k, v] of change.edits) session.params.set(k, v);
      for (const [k, v] of before) if (!undo.has(k)) undo.set(k, v);
      const info = {
        node: t.node.name,
        target: t.bn ? t.bn.name : t.node.name,
        kind: t.bn ? ('bn-statistics' as const) : ('affine' as const),
        channels: change.channels,
        outOf: change.outOf,
        removed: removedFraction(t.inKeep),
      };
      if (!perLayer || current === undefined) {
        details.push({ ...info, accepted: true });
        continue;
      }
      const top1Before = current;
      const top1After = await evaluate();
      const accepted = top1After >= top1Before;
      if (accepted) current = top1After;
      else for (const [k, v] of before) session.params.set(k, v);
      details.push({ ...info, accepted, top1Before, top1After });
    }
    if (!perLayer && start !== undefined && details.length > 0) {
      const after = await evaluate();
      const accepted = after >= start;
      if (!accepted) for (const [k, v] of undo) session.params.set(k, v);
      for (let i = 0; i < details.length; i++) details[i] = { ...details[i]!, accepted };
      current = accepted ? after : start;
    }
    if (start !== undefined && current !== undefined) top1 = { before: start, after: current };
  } finally {
    await session.release();
  }
  for (const [name, t] of session.params) work.graph.setConst(work.graph.mustValue(name), t);
  return done(work, details, skipped, top1, samples, t0);
}

function done(
  model: Model,
  details: LayerCompensation[],
  skipped: { node: string; reason: string }[],
  top1: { before: number; after: number } | undefined,
  samples: number,
  t0: number,
): FsmDistributionResult {
  const accepted = details.filter((d) => d.accepted).length;
  return {
    model,
    layers: details.length,
    accepted,
    rolledBack: details.length - accepted,
    details,
    skipped,
    ...(top1 ? { top1 } : {}),
    samples,
    seconds: (performance.now() - t0) / 1000,
  };
}
