// applyPlanToModel: what `pare apply MODEL PLAN -o OUT [--verify]` does short of reading and writing
// files: surgery, costs before and after (with the prediction), optional proof in ONNX Runtime,
// and the result recorded in the pruned model's metadata.

import { analyzeChannels } from '../analysis/channel-groups.js';
import { type Costs, predictCosts } from '../analysis/cost-model.js';
import { checkPlan, type PruningPlan } from '../analysis/plan.js';
import type { Model } from '../ir/model.js';
import { computeCosts } from '../ops/costs.js';
import { type ApplyOptions, applyPlan } from '../surgery/apply-plan.js';
import { type VerifyOptions, type VerifyResult, verifyPlan } from '../surgery/verify.js';

export interface ApplyToModelOptions extends ApplyOptions, Omit<VerifyOptions, 'pruned'> {
  /** Run the masked-model proof in ONNX Runtime. */
  readonly verify?: boolean;
}

export interface AppliedPlan {
  readonly model: Model;
  readonly before: Costs;
  readonly predicted: Costs;
  readonly after: Costs;
  readonly verification: VerifyResult | undefined;
}

export async function applyPlanToModel(
  model: Model,
  plan: PruningPlan,
  options: ApplyToModelOptions = {},
): Promise<AppliedPlan> {
  const analysis = options.analysis ?? analyzeChannels(model.graph);
  const costs = computeCosts(model.graph);
  const settings = { ...options, analysis, model: options.model ?? model.path ?? model.graph.name };
  const kept = checkPlan(plan, model.graph, analysis, settings);
  const graph = applyPlan(model.graph, plan, settings);
  const verification = options.verify
    ? await verifyPlan(model, plan, { ...settings, pruned: graph })
    : undefined;
  const metadata = new Map(model.metadata);
  metadata.set('pare.plan.fingerprint', plan.fingerprint);
  if (verification) {
    const { passed, maxAbsDiff, maxAbsOutput, relativeError, tolerance, samples, seed } = verification;
    metadata.set(
      'pare.verify',
      JSON.stringify({ passed, maxAbsDiff, maxAbsOutput, relativeError, tolerance, samples, seed }),
    );
  }
  const after = computeCosts(graph);
  return {
    model: { ...model, graph, metadata, path: undefined },
    before: { macs: costs.macs, params: costs.params },
    predicted: predictCosts(model.graph, analysis, kept),
    after: { macs: after.macs, params: after.params },
    verification,
  };
}
