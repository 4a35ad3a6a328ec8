// compressModel: prune while training. The run is cut into chunks of training (an epoch, or `steps`
// batches) driven through trainModel's public API: each chunk resumes from the state the previous one
// left, so between two chunks a method can re-score the network, zero or mask channels in the state
// (no rebuild: the masks are state inputs) and checkpoint. Schedules: oneshot (prune before training,
// masks held), iterative (more channels removed at each event along a cost schedule, masks held),
// soft (the lowest channels zeroed at each event, free to regrow). At the end the dropped channels
// are zeroed for good, BN folded back when the input had it folded, and the cut is made and verified.

import { analyzeChannels } from '../analysis/channel-groups.js';
import { createPlan, modelFingerprint } from '../analysis/plan.js';
import type { HostTensor } from '../autodiff/executor.js';
import { buildTrainingGraph, type TrainingGraphOptions } from '../autodiff/training-graph.js';
import { initialState, trainedModel } from '../autodiff/training-state.js';
import { gradientChannelSets } from '../criteria/gradient-stats.js';
import { criterionByName } from '../criteria/registry.js';
import type { Model } from '../ir/model.js';
import { cloneModel } from '../ir/model.js';
import { computeCosts } from '../ops/costs.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { nchwcBlock } from '../runtime/nchwc-block.js';
import { applyPlan } from '../surgery/apply-plan.js';
import { assertVerified, type VerifyResult, verifyPlan } from '../surgery/verify.js';
import { evaluateModel } from '../train/evaluate.js';
import { type TrainResult, trainModel } from '../train/trainer.js';
import { unfoldForTraining } from '../train/unfold-for-training.js';
import { PareError } from '../util/errors.js';
import { checkOptions, intAtLeast, type OptionSchemas, oneOf } from '../util/option-schemas.js';
import { ChannelMap } from './channel-masks.js';
import { ChunkLoader } from './chunk-loader.js';
import { aipTraining, LossLog } from './compress-aip.js';
import {
  fromRecord,
  readCompressCheckpoint,
  toRecord,
  writeCompressCheckpoint,
} from './compress-checkpoint.js';
import { selectChannels } from './compress-select.js';
import {
  type CompressOptions,
  type CompressResult,
  type CompressStage,
  stageCosts,
} from './compress-types.js';
import { compressUcp } from './compress-ucp.js';
import { type GaPlan, gaPlan, gaSelect } from './ga-select.js';
import { roundToSchema } from './prune.js';
import { TrainingGradients } from './training-gradients.js';

/** Thrown from onEpochEnd to end a trainModel call after one chunk (see the note in docs/methods.md). */
class ChunkDone extends Error {}

/** The scalar options compressModel checks (the CLI's flags parse with the same schemas). */
export const compressOptionSchemas = {
  evalSamples: intAtLeast(1),
  epochs: intAtLeast(1),
  seed: intAtLeast(0),
  threads: intAtLeast(1),
  roundTo: roundToSchema,
  engine: oneOf(['auto', 'dnnl', 'nchwc', 'standard']),
} satisfies OptionSchemas;

export async function compressModel(model: Model, o: CompressOptions): Promise<CompressResult> {
  checkOptions('compressModel', compressOptionSchemas, o);
  const r = o.recipe;
  if (r.schedule === 'ucp') return compressUcp(model, o);
  const clock = () => performance.now() / 1000;
  const start = clock();
  const original = cloneModel(model);
  inferShapes(original.graph);
  const before = computeCosts(original.graph);
  const threads = o.threads ? { threads: o.threads } : {};
  const epochs = o.epochs ?? r.train.epochs;
  const seed = o.seed ?? o.train.seed;
  const roundTo = o.roundTo === 'auto' ? await nchwcBlock() : (o.roundTo ?? 1);

  const unfolded = await unfoldForTraining(original, o.train, threads);
  const trainable = unfolded?.model ?? cloneModel(original);
  inferShapes(trainable.graph);
  const analysis = analyzeChannels(trainable.graph);
  const map = new ChannelMap(trainable.graph, analysis);
  const base = computeCosts(trainable.graph);

  const bpe = o.train.batchesPerEpoch;
  const loader = new ChunkLoader(o.train, r.every.steps ?? bpe);
  const eventEvery = r.every.epochs ?? 1;
  const chunks = epochs * loader.chunksPerEpoch;
  // soft with pruneFraction < 1: the event that ends the pruning phase holds its masks (a hard cut
  // fine-tuned for the rest of the run) instead of letting the channels regrow.
  const pruneChunks = Math.floor(chunks * r.pruneFraction);
  const events = eventBoundaries(r.schedule, chunks, pruneChunks, eventEvery);
  const lastEvent = Math.max(...events.keys());
  const teacher = o.teacher ?? r.train.distillation !== null;
  const distillation = r.train.distillation ?? { alpha: 0.9, temperature: 4 };
  const graphOptions: TrainingGraphOptions = {
    optimizer: {
      kind: 'sgd',
      momentum: r.train.momentum,
      nesterov: r.train.nesterov,
      weightDecay: r.train.weightDecay,
    },
    loss: teacher ? { distillation } : {},
    masked: map.maskedParams(),
  };
  const tg = buildTrainingGraph(trainable, graphOptions);
  const aip = aipTraining(r, original, {
    teacher,
    stepsPerInterval: eventEvery * loader.steps,
    seed,
  });
  const losses = new LossLog();
  // Group Fisher as the paper: the statistics of the training steps between two events.
  const trainingGradients =
    r.gradients === 'training' && r.criteria.some((c) => criterionByName(c.name).needs === 'gradients')
      ? new TrainingGradients(trainable.graph, gradientChannelSets(trainable, analysis))
      : undefined;
  const run = `${modelFingerprint(original.graph)} ${r.name} ${o.target.kind}=${o.target.fraction} epochs=${epochs} round=${roundTo} seed=${seed} batch=${o.train.batchSize} teacher=${teacher ? `α${distillation.alpha},T${distillation.temperature}` : false}`;

  let state: Map<string, HostTensor> = initialState(tg);
  let kept = new Map<string, Int32Array>();
  let removed = new Map<string, Int32Array>();
  let stages: CompressStage[] = [];
  let first = 0;
  let offset = 0;
  const resumed = o.checkpoint?.resume ? readCompressCheckpoint(o.checkpoint.dir, run) : undefined;
  if (o.checkpoint?.resume && !resumed)
    throw new PareError('PARE_CONFIG', `no checkpoint to resume in '${o.checkpoint.dir}'`, {
      notes: ['run without --resume first (a checkpoint is written at every stage and epoch)'],
    });
  if (resumed) {
    state = resumed.state;
    kept = fromRecord(resumed.meta.kept);
    removed = fromRecord(resumed.meta.removed);
    stages = [...resumed.meta.stages];
    trainingGradients?.restore(resumed.meta.gradients);
    if (aip?.game) {
      if (!resumed.discriminator || !resumed.meta.game)
        throw new PareError('PARE_CONFIG', `checkpoint '${o.checkpoint!.dir}' has no discriminator state`, {
          notes: ['it was written by a run without the adversarial term: run again without --resume'],
        });
      aip.game.restore({ since: resumed.meta.game.since, discriminator: resumed.discriminator });
    }
    first = resumed.meta.boundary;
    offset = resumed.meta.seconds;
    o.onEvent?.({ kind: 'resumed', chunk: first });
  }
  const seconds = () => offset + clock() - start;
  const current = () => map.zeroModel(trainedModel(trainable, tg, state), kept);
  const costsOf = (k: ReadonlyMap<string, Int32Array>) => {
    const pruned = applyPlan(trainable.graph, createPlan(trainable.graph, toRecord(k)), { analysis });
    const c = computeCosts(pruned);
    return { macs: c.macs, params: c.params };
  };
  const record = async (kind: CompressStage['kind'], chunk: number, extra: Partial<CompressStage>) => {
    const c = costsOf(kept);
    const accuracy =
      o.test && (kind !== 'prune' || chunk === 0)
        ? (
            await evaluateModel(fold(current()), o.test, {
              ...threads,
              ...(o.evalSamples ? { limit: o.evalSamples } : {}),
            })
          ).top1
        : undefined;
    const stage: CompressStage = {
      kind,
      chunk,
      epoch: chunk / loader.chunksPerEpoch,
      ...extra,
      widths: Object.fromEntries([...kept].map(([id, k]) => [id, k.length])),
      ...stageCosts(c, base),
      ...(accuracy !== undefined ? { accuracy } : {}),
      ...(kind === 'prune' ? {} : lossesOf()),
      seconds: seconds(),
    };
    stages.push(stage);
    o.onEvent?.({ kind: 'stage', stage });
  };
  const fold = (m: Model) => (unfolded ? unfolded.fold(m) : m);
  const lossesOf = () => {
    const l = losses.take();
    return l ? { losses: l } : {};
  };

  // GA (Hu et al. 2018): the groups' order from the original network (the same after a resume); each
  // event chooses the channels of its share of the groups, at the widths the allocation gave.
  let gaOrder: GaPlan | undefined;
  const gaEvent = async (widths: ReadonlyMap<string, Int32Array>, progress: number, p: GaPlan) => {
    const order = p.order.filter((id) => widths.has(id));
    const done = order.filter((id) => kept.has(id)).length;
    const upto = Math.max(done, Math.ceil(order.length * progress - 1e-9));
    return gaSelect({
      model: trainedModel(trainable, tg, state),
      original: trainable,
      analysis,
      map,
      groups: order.slice(done, upto),
      widths,
      kept: new Map(order.slice(0, done).map((id) => [id, kept.get(id)!])),
      calibration: o.calibration,
      settings: r.ga!,
      seed,
      ...threads,
      onStatus: (text) => o.onEvent?.({ kind: 'status', text }),
    });
  };

  let last: TrainResult | undefined;
  for (let b = first; b <= chunks; b++) {
    if (b > first || !resumed) {
      const event = events.get(b);
      if (event !== undefined) {
        o.onEvent?.({ kind: 'status', text: `prune event at chunk ${b}/${chunks}` });
        if (r.ga && !gaOrder) gaOrder = await gaPlan(trainable, analysis, o.calibration, r.ga, o.threads);
        const fraction =
          r.schedule === 'iterative' && !r.ga
            ? r.ratioSchedule === 'linear'
              ? 1 - (1 - o.target.fraction) * event
              : o.target.fraction ** event
            : o.target.fraction;
        const sel = await selectChannels({
          model: r.schedule === 'soft' ? trainedModel(trainable, tg, state) : current(),
          analysis,
          map,
          recipe: r,
          target: { kind: o.target.kind, fraction },
          calibration: o.calibration,
          seed: b,
          ...(r.schedule === 'iterative' ? { removed } : {}),
          ...threads,
          roundTo,
          ...(gaOrder?.curves ? { curves: gaOrder.curves } : {}),
          ...(trainingGradients && trainingGradients.samples > 0
            ? { gradients: trainingGradients.take() }
            : {}),
        });
        const ga = r.ga && gaOrder ? await gaEvent(sel.kept, event, gaOrder) : undefined;
        kept = ga?.kept ?? sel.kept;
        aip?.game?.restart(b * loader.steps + 1);
        if (r.schedule === 'soft' && !(b === pruneChunks && pruneChunks < chunks)) {
          map.zeroState(tg, state, kept, 'filters');
          map.setMasks(tg, state, r.soft === 'mask' ? kept : new Map());
        } else {
          map.zeroState(tg, state, kept, 'all');
          map.setMasks(tg, state, kept);
          removed = new Map([...kept].map(([id, k]) => [id, dropped(analysis, id, k)]));
        }
        await record('prune', b, {
          criterion: ga ? `ga (${ga.layers.length} groups; widths from ${sel.criterion})` : sel.criterion,
          ...(sel.candidates ? { candidates: sel.candidates } : {}),
          ...(ga ? { ga: ga.layers } : {}),
        });
      }
      if (b > 0 && b % loader.chunksPerEpoch === 0 && b < chunks) await record('epoch', b, {});
      if (o.checkpoint) {
        const game = aip?.game?.snapshot();
        writeCompressCheckpoint(
          o.checkpoint.dir,
          trainable,
          state,
          {
            run,
            boundary: b,
            kept: toRecord(kept),
            removed: toRecord(removed),
            stages,
            seconds: seconds(),
            ...(trainingGradients ? { gradients: trainingGradients.toRecord() } : {}),
            ...(game ? { game: { since: game.since, numbers: game.discriminator.length } } : {}),
          },
          seed,
          game?.discriminator,
        );
        o.onEvent?.({ kind: 'checkpoint', dir: o.checkpoint.dir, chunk: b });
      }
    }
    if (b === chunks) break;
    if (o.signal?.aborted) throw interrupted(o, b);
    let captured: ReadonlyMap<string, HostTensor> | undefined;
    try {
      last = await trainModel(trainable, loader, {
        ...graphOptions,
        lr: r.train.lr,
        epochs: chunks,
        schedule: { kind: r.train.schedule },
        ...(teacher ? { teacher: original } : {}),
        unfoldBatchNorm: false,
        ...threads,
        ...(o.engine ? { engine: o.engine } : {}),
        ...aip?.train,
        // Recorded only while a prune event is still to come (they cost host time every step).
        ...(trainingGradients && lastEvent > b
          ? {
              gradientStats: {
                values: trainingGradients.values,
                onStats: (st) => trainingGradients.add(st),
                optional: true,
              },
            }
          : {}),
        resume: { state, epoch: b },
        onEvent: (event) => {
          if (o.signal?.aborted) throw interrupted(o, b);
          losses.add(event);
          o.onEvent?.({ kind: 'train', chunk: b, chunks, event });
        },
        onEpochEnd: (_m, _epoch, s) => {
          captured = s;
          // The last chunk returns normally (its TrainResult names the engine); others stop here.
          if (b + 1 < chunks) throw new ChunkDone();
        },
      });
    } catch (e) {
      if (!(e instanceof ChunkDone)) throw e;
    }
    state = new Map(captured!);
  }

  // The final cut: every dropped channel at zero, BN folded back, cut, verified.
  const finalMasked = fold(current());
  inferShapes(finalMasked.graph);
  const finalAnalysis = analyzeChannels(finalMasked.graph);
  const plan = createPlan(finalMasked.graph, toRecord(kept));
  const label = model.path ?? model.graph.name;
  const pruned = applyPlan(finalMasked.graph, plan, { analysis: finalAnalysis, model: label });
  inferShapes(pruned);
  let verify: VerifyResult | undefined;
  if (o.verify ?? true) {
    o.onEvent?.({ kind: 'status', text: 'verifying (masked ≡ pruned)' });
    verify = await verifyPlan(finalMasked, plan, {
      analysis: finalAnalysis,
      pruned,
      model: label,
      ...threads,
    });
    assertVerified(verify, label);
  }
  const result: Model = { ...finalMasked, graph: pruned, path: undefined };
  const after = computeCosts(pruned);
  const accuracy = o.test
    ? (
        await evaluateModel(result, o.test, {
          ...threads,
          ...(o.evalSamples ? { limit: o.evalSamples } : {}),
        })
      ).top1
    : undefined;
  const finalStage: CompressStage = {
    kind: 'final',
    chunk: chunks,
    epoch: epochs,
    widths: Object.fromEntries([...kept].map(([id, k]) => [id, k.length])),
    ...stageCosts(after, before),
    ...(accuracy !== undefined ? { accuracy } : {}),
    ...lossesOf(),
    seconds: seconds(),
  };
  stages.push(finalStage);
  o.onEvent?.({ kind: 'stage', stage: finalStage });
  return {
    model: result,
    plan,
    analysis: finalAnalysis,
    before,
    after,
    verify,
    stages,
    engine: last?.engine ?? 'none (no training chunk ran in this call)',
    ...(last?.dnnlFallback !== undefined ? { dnnlFallback: last.dnnlFallback } : {}),
    ...(last?.logitsHookSkipped !== undefined ? { adversarialSkipped: last.logitsHookSkipped } : {}),
    chunks,
    stepsPerChunk: loader.steps,
    seconds: seconds(),
    unfoldedBatchNorm: unfolded?.convs ?? [],
  };
}

/**
 * Boundaries (chunks trained before) of the prune events, each with its progress r/R (iterative) or 1.
 * oneshot: before training; iterative: 0, e, 2e, … inside the pruning phase; soft: after every e
 * chunks inside the pruning phase and always at its end (the final mask: after the last chunk, or,
 * when the phase is shorter than the run, the event whose masks are then held while fine-tuning).
 */
export function eventBoundaries(
  schedule: 'oneshot' | 'soft' | 'iterative',
  chunks: number,
  pruneChunks: number,
  every: number,
): Map<number, number> {
  const out = new Map<number, number>();
  if (schedule === 'oneshot') out.set(0, 1);
  else if (schedule === 'iterative') {
    const at: number[] = [];
    for (let b = 0; b < Math.max(pruneChunks, 1); b += every) at.push(b);
    for (const [i, b] of at.entries()) out.set(b, (i + 1) / at.length);
  } else {
    const end = Math.min(pruneChunks, chunks);
    for (let b = every; b < end; b += every) out.set(b, 1);
    out.set(end, 1);
  }
  return out;
}

function dropped(analysis: ReturnType<typeof analyzeChannels>, id: string, keep: Int32Array): Int32Array {
  const size = analysis.groups.find((g) => g.id === id)?.size ?? 0;
  const k = new Set(keep);
  return Int32Array.from({ length: size }, (_, c) => c).filter((c) => !k.has(c));
}

function interrupted(o: CompressOptions, chunk: number): PareError {
  return new PareError('PARE_RUNTIME', `interrupted during training chunk ${chunk + 1}`, {
    notes: o.checkpoint
      ? [`the checkpoint in '${o.checkpoint.dir}' holds the run up to chunk ${chunk}; continue with --resume`]
      : ['no checkpoint directory was given: the run cannot be resumed'],
  });
}
