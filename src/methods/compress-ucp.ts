// `pare compress --method ucp` (or a recipe with schedule 'ucp'): UCP through the compress pipeline's
// options and result. MSEBs are trained on the frozen backbone, λ comes from the recipe or is searched
// to meet the target, the original model is cut (verified) and retrained from scratch or fine-tuned.
// Checkpoints and --resume are not supported for this schedule yet (the run is three short phases).

import { analyzeChannels } from '../analysis/channel-groups.js';
import { cloneModel, type Model } from '../ir/model.js';
import { computeCosts } from '../ops/costs.js';
import { assertVerified } from '../surgery/verify.js';
import { evaluateModel } from '../train/evaluate.js';
import type { TrainOptions } from '../train/trainer.js';
import { PareError } from '../util/errors.js';
import {
  type CompressOptions,
  type CompressResult,
  type CompressStage,
  stageCosts,
} from './compress-types.js';
import { ucpModel } from './ucp.js';

export async function compressUcp(model: Model, o: CompressOptions): Promise<CompressResult> {
  const r = o.recipe;
  if (o.checkpoint?.resume)
    throw new PareError('PARE_CONFIG', `--resume is not supported for method '${r.name}' yet`, {
      notes: ['run it again without --resume (it has three short phases: SE training, cut, retraining)'],
    });
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  const original = cloneModel(model);
  const before = computeCosts(original.graph);
  const threads = o.threads ? { threads: o.threads } : {};
  const teacher = o.teacher ?? r.train.distillation !== null;
  const phase = (chunk: number, chunks: number): Partial<TrainOptions> => ({
    onEvent: (event) => o.onEvent?.({ kind: 'train', chunk, chunks, event }),
  });
  const train = (epochs: number): TrainOptions => ({
    optimizer: {
      kind: 'sgd',
      momentum: r.train.momentum,
      nesterov: r.train.nesterov,
      weightDecay: r.train.weightDecay,
    },
    lr: r.train.lr,
    epochs,
    schedule: { kind: r.train.schedule },
    ...threads,
    ...(o.engine ? { engine: o.engine } : {}),
  });
  const epochs = o.epochs ?? r.train.epochs;
  const thresholds = { stageUniform: r.ucp.stageUniform };
  const ucp = await ucpModel(original, o.train, {
    seTraining: { ...train(r.ucp.seEpochs), ...phase(0, 2) },
    retraining: {
      ...train(epochs),
      ...(teacher
        ? {
            teacher: original,
            loss: { distillation: r.train.distillation ?? { alpha: 0.9, temperature: 4 } },
          }
        : {}),
      ...phase(1, 2),
    },
    retrain: r.ucp.retrain,
    reduction: r.ucp.reduction,
    seed: o.seed ?? o.train.seed,
    samples: r.calibrationSamples,
    ...thresholds,
    // λ from the recipe, or searched on the measured excitations to meet the target.
    ...(r.ucp.lambda !== undefined ? { lambda: r.ucp.lambda } : { target: o.target }),
    verify: o.verify ?? true,
    ...(o.threads ? { threads: o.threads } : {}),
  });
  if (ucp.cut.verification) assertVerified(ucp.cut.verification, model.path ?? model.graph.name);
  const after = computeCosts(ucp.model.graph);
  const widths = Object.fromEntries(ucp.decisions.map((d) => [d.group, d.kept]));
  const stage = (kind: CompressStage['kind'], accuracy?: number): CompressStage => ({
    kind,
    chunk: kind === 'prune' ? 1 : 2,
    epoch: kind === 'prune' ? 0 : epochs,
    criterion: `ucp-excitation (λ ${ucp.lambda.toFixed(4)})`,
    widths,
    ...stageCosts(after, before),
    ...(accuracy !== undefined ? { accuracy } : {}),
    seconds: seconds(),
  });
  const pruneStage = stage('prune');
  o.onEvent?.({ kind: 'stage', stage: pruneStage });
  const accuracy = o.test
    ? (
        await evaluateModel(ucp.model, o.test, {
          ...threads,
          ...(o.evalSamples ? { limit: o.evalSamples } : {}),
        })
      ).top1
    : undefined;
  const finalStage = stage('final', accuracy);
  o.onEvent?.({ kind: 'stage', stage: finalStage });
  const trained = ucp.retraining ?? ucp.seTraining;
  return {
    model: ucp.model,
    plan: ucp.plan,
    analysis: analyzeChannels(ucp.cut.model.graph),
    before,
    after,
    verify: ucp.cut.verification,
    stages: [pruneStage, finalStage],
    engine: trained.engine,
    ...(trained.dnnlFallback !== undefined ? { dnnlFallback: trained.dnnlFallback } : {}),
    chunks: 2,
    stepsPerChunk: o.train.batchesPerEpoch,
    seconds: seconds(),
    unfoldedBatchNorm: ucp.retraining?.unfoldedBatchNorm ?? [],
  };
}
