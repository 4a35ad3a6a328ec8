// UCP (Uniform Channel Pruning, methods-addendum §6): MSEBs measure channel importance with the
// backbone frozen; a channel stays when its mean excitation exceeds (1 + λ)·(the layer's mean
// excitation) — the authors' code uses 0.999× (VGG CIFAR) and 0.99× (ImageNet), i.e. λ −0.001 and
// −0.01; runs with 1.1 and 0.9 are recorded too. Blocks of one stage keep the same number of channels
// (the "uniform" of UCP: the mean of their own counts, each block its own best channels). The MSEBs
// are then dropped (the backbone is unchanged, so that is the original model) and the plan cuts it;
// the authors retrain the compact network from scratch (`pare train --reinit`).

import { analyzeChannels } from '../analysis/channel-groups.js';
import { modelFingerprint, type PruningPlan } from '../analysis/plan.js';
import type { BatchLoader } from '../data/batch-loader.js';
import type { Model } from '../ir/model.js';
import { collectActivationStats } from '../measure/activation-stats.js';
import { loaderFeeds } from '../measure/capture.js';
import { computeCosts } from '../ops/costs.js';
import { findParams } from '../ops/params.js';
import { applyPlan } from '../surgery/apply-plan.js';
import { reinitializeModel } from '../train/reinit.js';
import { type TrainOptions, type TrainResult, trainModel } from '../train/trainer.js';
import { PareError } from '../util/errors.js';
import { type AppliedPlan, applyPlanToModel } from './apply-plan-to-model.js';
import { insertMsebs, type MsebOptions, type MsebSite } from './ucp-mseb.js';

export interface UcpThresholdOptions {
  /** Keep channels whose excitation exceeds (1 + λ)·mean (default −0.01: the authors' 0.99×). */
  readonly lambda?: number;
  /** Blocks of one stage keep the same count (default true). */
  readonly stageUniform?: boolean;
  /** Fewest channels a group keeps (default 1). */
  readonly minChannels?: number;
}

export interface UcpGroupDecision {
  readonly group: string;
  readonly channels: number;
  /** Channels above the threshold in this block alone. */
  readonly above: number;
  /** Channels kept (the stage's count when stage-uniform). */
  readonly kept: number;
  readonly stage: number;
}

/** Mean excitation per channel of every site over `samples` images of the loader (epoch 0). */
export async function excitationMeans(
  seModel: Model,
  sites: readonly MsebSite[],
  loader: BatchLoader,
  samples: number,
  threads?: number,
): Promise<Map<string, Float64Array>> {
  const input = seModel.graph.feedInputs[0];
  if (!input)
    throw new PareError('PARE_BAD_MODEL', `model '${seModel.path ?? seModel.graph.name}' has no inputs`);
  const stats = await collectActivationStats(
    seModel,
    sites.map((s) => ({ value: s.excitation, axis: 1 })),
    loaderFeeds(loader, input.name, samples),
    threads === undefined ? {} : { threads },
  );
  return new Map(sites.map((s) => [s.group, stats.get(s.excitation)!.mean]));
}

/** Consecutive sites with the same width and feature-map size: one stage of uniform blocks. */
export function stagesOf(sites: readonly MsebSite[]): number[] {
  const stage: number[] = [];
  sites.forEach((s, i) => {
    const prev = sites[i - 1];
    const same = prev && prev.channels === s.channels && prev.spatial === s.spatial;
    stage.push(i === 0 ? 0 : same ? stage[i - 1]! : stage[i - 1]! + 1);
  });
  return stage;
}

/** The pruning plan for `original` (the model without MSEBs) from the sites' mean excitations. */
export function ucpPlan(
  original: Model,
  sites: readonly MsebSite[],
  means: ReadonlyMap<string, Float64Array>,
  options: UcpThresholdOptions = {},
): { plan: PruningPlan; decisions: UcpGroupDecision[] } {
  const lambda = options.lambda ?? -0.01;
  const min = Math.max(1, options.minChannels ?? 1);
  const stage = stagesOf(sites);
  const above = sites.map((s) => {
    const e = means.get(s.group);
    if (!e) throw new PareError('PARE_INTERNAL', `no excitation measured for group '${s.group}'`);
    const t = (1 + lambda) * (e.reduce((a, b) => a + b, 0) / e.length);
    return Math.max(min, e.filter((x) => x > t).length);
  });
  const kept = sites.map((s, i) => {
    if (options.stageUniform === false) return above[i]!;
    const mine = above.filter((_, j) => stage[j] === stage[i]);
    return Math.min(s.channels, Math.round(mine.reduce((a, b) => a + b, 0) / mine.length));
  });
  const known = new Set(analyzeChannels(original.graph).groups.map((g) => g.id));
  const groups: Record<string, number[]> = {};
  sites.forEach((s, i) => {
    if (!known.has(s.group))
      throw new PareError('PARE_INTERNAL', `group '${s.group}' of an MSEB is not a group of the model`);
    const e = means.get(s.group)!;
    const order = Array.from(e.keys()).sort((a, b) => e[b]! - e[a]! || a - b);
    if (kept[i]! < s.channels) groups[s.group] = order.slice(0, kept[i]!).sort((a, b) => a - b);
  });
  return {
    plan: { version: 1, fingerprint: modelFingerprint(original.graph), groups },
    decisions: sites.map((s, i) => ({
      group: s.group,
      channels: s.channels,
      above: above[i]!,
      kept: kept[i]!,
      stage: stage[i]!,
    })),
  };
}

/**
 * Insert MSEBs and train only them, backbone and BN statistics frozen (the authors train the SE
 * network with the backbone's schedule; here `train` sets it). Returns the SE model and its sites.
 */
export async function trainMsebs(
  model: Model,
  loader: BatchLoader,
  train: Omit<TrainOptions, 'frozen' | 'batchNorm'>,
  options: MsebOptions = {},
): Promise<{ seModel: Model; sites: MsebSite[]; training: TrainResult }> {
  const { model: se, sites } = insertMsebs(model, options);
  const own = new Set(sites.flatMap((s) => s.params));
  const frozen = findParams(se.graph)
    .map((p) => p.value.name)
    .filter((name) => !own.has(name));
  const training = await trainModel(se, loader, {
    ...train,
    frozen,
    batchNorm: 'frozen',
    unfoldBatchNorm: false,
  });
  return { seModel: training.model, sites, training };
}

export interface UcpOptions extends UcpThresholdOptions, MsebOptions {
  /** Training of the MSEBs alone (backbone frozen). */
  readonly seTraining: Omit<TrainOptions, 'frozen' | 'batchNorm'>;
  /** Training of the compact network (none: return it untrained). */
  readonly retraining?: TrainOptions;
  /** 'scratch' (the authors): new weights for the pruned widths; 'finetune': keep the cut weights. */
  readonly retrain?: 'scratch' | 'finetune';
  /** Images of the loader whose mean excitation decides (default 1024). */
  readonly samples?: number;
  /** Prove the cut equal to the masked original in ONNX Runtime. */
  readonly verify?: boolean;
  readonly threads?: number;
  /** Without `lambda`: search λ so the cut keeps at most this fraction (lambdaForTarget). */
  readonly target?: { readonly kind: 'macs' | 'params'; readonly fraction: number };
}

export interface UcpResult {
  readonly model: Model;
  readonly plan: PruningPlan;
  readonly decisions: readonly UcpGroupDecision[];
  readonly cut: AppliedPlan;
  /** The threshold used: (1 + λ)·mean excitation. */
  readonly lambda: number;
  readonly seTraining: TrainResult;
  readonly retraining: TrainResult | undefined;
}

/** UCP end to end: MSEBs trained on a frozen backbone, thresholds, the cut, then (re)training. */
export async function ucpModel(model: Model, loader: BatchLoader, options: UcpOptions): Promise<UcpResult> {
  const { seModel, sites, training } = await trainMsebs(model, loader, options.seTraining, options);
  const means = await excitationMeans(seModel, sites, loader, options.samples ?? 1024, options.threads);
  const lambda =
    options.lambda ??
    (options.target ? lambdaForTarget(model, sites, means, options.target, options) : -0.01);
  const { plan, decisions } = ucpPlan(model, sites, means, { ...options, lambda });
  const cut = await applyPlanToModel(model, plan, { verify: options.verify ?? false });
  if (cut.verification && !cut.verification.passed)
    throw new PareError(
      'PARE_INTERNAL',
      `UCP's cut does not match the masked model (${cut.verification.relativeError})`,
    );
  const start = options.retrain === 'finetune' ? cut.model : reinitializeModel(cut.model, options).model;
  const retraining = options.retraining ? await trainModel(start, loader, options.retraining) : undefined;
  return {
    model: retraining?.model ?? start,
    plan,
    decisions,
    cut,
    lambda,
    seTraining: training,
    retraining,
  };
}

/**
 * The λ whose cut of `original` keeps at most `fraction` of its MACs (or params), as close to it as
 * the stage-uniform widths allow: larger λ keeps fewer channels, so λ is bisected. Our addition: the
 * authors set λ by hand; a target makes UCP comparable with the other methods at equal cost.
 */
export function lambdaForTarget(
  original: Model,
  sites: readonly MsebSite[],
  means: ReadonlyMap<string, Float64Array>,
  target: { readonly kind: 'macs' | 'params'; readonly fraction: number },
  options: Omit<UcpThresholdOptions, 'lambda'> = {},
): number {
  const base = computeCosts(original.graph)[target.kind];
  const kept = (lambda: number) =>
    computeCosts(applyPlan(original.graph, ucpPlan(original, sites, means, { ...options, lambda }).plan))[
      target.kind
    ] / base;
  let lo = -0.999;
  let hi = 1;
  while (kept(hi) > target.fraction && hi < 1e6) hi *= 2;
  for (let i = 0; i < 40 && hi - lo > 1e-6; i++) {
    const mid = (lo + hi) / 2;
    if (kept(mid) > target.fraction) lo = mid;
    else hi = mid;
  }
  return hi;
}
