// The training loop: one step per batch on the engine selectEngine() picks (src/engine/: the oneDNN
// layer executor or ONNX Runtime on the training-step graph), the state read back as the training
// graph's state map each epoch, evaluation, early stopping, checkpoints. Progress through events only.

import type { TrainingGraph, TrainingGraphOptions } from '../autodiff/training-graph.js';
import { buildTrainingGraph } from '../autodiff/training-graph.js';
import { initialState, trainedModel } from '../autodiff/training-state.js';
import type { BatchLoader } from '../data/batch-loader.js';
import type { DnnlEngineOptions } from '../engine/dnnl/dnnl-engine.js';
import { selectEngine } from '../engine/select-engine.js';
import type { ChannelGradientStats, LogitsHook } from '../engine/step-engine.js';
import type { Model } from '../ir/model.js';
import type { EvalResult } from '../measure/classification-meter.js';
import type { HostTensor, SessionOptions } from '../runtime/session.js';
import { PareError } from '../util/errors.js';
import { checkOptions, intAtLeast, numberIn, type OptionSchemas, oneOf } from '../util/option-schemas.js';
import { evaluateModel } from './evaluate.js';
import { type FeatureDistillation, type ResolvedFeature, resolveFeaturePairs } from './feature-pairs.js';
import { learningRate, type ScheduleOptions } from './schedule.js';
import { unfoldForTraining } from './unfold-for-training.js';

/** Where one step's wall time went, in milliseconds. */
export interface StepTiming {
  /** Waiting for the batch (the loader prefetches one ahead; 0 when it kept up). */
  readonly dataMs: number;
  /** The teacher's forward run (distillation). */
  readonly teacherMs: number;
  /** The training-step run in ONNX Runtime (feeds wrapped, outputs returned, no copies), or the dnnl step. */
  readonly runMs: number;
  /** Everything else on the host: building feeds (labels to int64), advancing state, events. */
  readonly hostMs: number;
}

export type TrainEvent =
  | {
      readonly kind: 'step';
      readonly epoch: number;
      readonly step: number;
      readonly stepsPerEpoch: number;
      readonly loss: number;
      readonly acc: number;
      readonly imgPerSec: number;
      readonly lr: number;
      /** Where this step's time went, up to this event. */
      readonly timing: StepTiming;
      /** The loss by term, when the engine separates them (StepResult.terms). */
      readonly terms?: Readonly<Record<string, number>>;
    }
  | {
      readonly kind: 'epoch';
      readonly epoch: number;
      readonly trainLoss: number;
      readonly trainAcc: number;
      readonly test?: EvalResult;
      readonly seconds: number;
      readonly imgPerSec: number;
    };

export interface TrainOptions extends Omit<TrainingGraphOptions, 'optimizer'> {
  readonly optimizer: TrainingGraphOptions['optimizer'];
  readonly lr: number;
  readonly epochs: number;
  /** Stop after this many steps in all (overrides the epoch count's total, not the schedule's). */
  readonly maxSteps?: number;
  readonly schedule?: ScheduleOptions;
  /** Evaluated after each epoch (and used for early stopping). */
  readonly test?: BatchLoader;
  /** Stop when test top-1 has not improved for this many epochs. */
  readonly patience?: number;
  /** Teacher model for distillation: its first output feeds the 'logits' teacher input. */
  readonly teacher?: Model;
  /** Distil tapped features from the teacher (needs `teacher`); added to `loss.features`. */
  readonly featureDistillation?: FeatureDistillation;
  /**
   * Models exported with BN folded (Convs with a bias, no BatchNormalization anywhere): put a BN back
   * after each folded Conv for training, its statistics measured on the first batches, and fold it
   * back in every model returned or checkpointed (default true).
   */
  readonly unfoldBatchNorm?: boolean;
  readonly threads?: number;
  /** Called after each epoch with the model as trained so far (checkpoints). */
  readonly onEpochEnd?: (
    model: Model,
    epoch: number,
    state: ReadonlyMap<string, HostTensor>,
  ) => Promise<void> | void;
  readonly onEvent?: (event: TrainEvent) => void;
  /**
   * How the step runs: 'dnnl' on the oneDNN addon (layer executor; falls back to ORT with a reason in
   * `dnnlFallback` when the addon is not built or the model/options are not supported), 'nchwc' lowers
   * convolutions onto ORT's blocked kernels (probed at start-up), 'standard' keeps plain ONNX ops,
   * 'auto' (default) takes dnnl when it runs the model, else nchwc when the probe passes.
   */
  readonly engine?: 'auto' | 'standard' | 'nchwc' | 'dnnl';
  /** Settings of the dnnl engine (threads of BN, convolution algorithm). */
  readonly dnnl?: DnnlEngineOptions;
  /**
   * Per-channel gradient statistics of these values (computed activations), given to `onStats` after
   * every step with its 1-based number (the dnnl engine only: other engines refuse with the reason).
   */
  readonly gradientStats?: {
    readonly values: readonly string[];
    readonly onStats: (stats: ReadonlyMap<string, ChannelGradientStats>, step: number) => void;
    /** Train without them (onStats never called) where the engine cannot record them, instead of refusing. */
    readonly optional?: boolean;
  };
  /**
   * Stop after the step in progress when aborted (Ctrl-C): no evaluation, no onEpochEnd; the result
   * holds the model and state as trained so far and says where it stopped (`interrupted`).
   */
  readonly signal?: AbortSignal;
  /** Resume from this state (from a checkpoint) at this epoch. */
  readonly resume?: { readonly state: ReadonlyMap<string, HostTensor>; readonly epoch: number };
  /**
   * An extra loss term on the logits, its gradient computed on the host each step (AIP's adversarial
   * term). Only the dnnl engine runs it; on ONNX Runtime training goes on without it and
   * `TrainResult.logitsHookSkipped` says why.
   */
  readonly logitsHook?: LogitsHook;
}

export interface TrainResult {
  readonly model: Model;
  readonly history: readonly Extract<TrainEvent, { kind: 'epoch' }>[];
  readonly trainImgPerSec: number;
  readonly steps: number;
  readonly graph: TrainingGraph;
  readonly state: ReadonlyMap<string, HostTensor>;
  /** Which engine ran: 'dnnl', 'nchwc-16', 'nchwc-8' or 'standard'. */
  readonly engine: string;
  /** Why the dnnl engine did not run, when it was asked for ('dnnl' or 'auto'). */
  readonly dnnlFallback?: string;
  /** Why `logitsHook` did not run (the engine chosen cannot run it). */
  readonly logitsHookSkipped?: string;
  /** Convs that got a BatchNormalization for training (folded back in `model`). */
  readonly unfoldedBatchNorm: readonly string[];
  /** Feature-distillation pairs as resolved. */
  readonly features: readonly ResolvedFeature[];
  /** Set when `signal` stopped training: the epoch (0-based) it stopped in and its steps done. */
  readonly interrupted?: { readonly epoch: number; readonly steps: number };
}

/** The scalar options trainModel checks (pare train's flags parse with the same schemas). */
export const trainOptionSchemas = {
  lr: numberIn(0),
  epochs: intAtLeast(1),
  maxSteps: intAtLeast(1),
  patience: intAtLeast(1),
  threads: intAtLeast(1),
  engine: oneOf(['auto', 'dnnl', 'nchwc', 'standard']),
} satisfies OptionSchemas;

export async function trainModel(
  model: Model,
  loader: BatchLoader,
  options: TrainOptions,
): Promise<TrainResult> {
  checkOptions('trainModel', trainOptionSchemas, options);
  const unfolded =
    options.unfoldBatchNorm === false
      ? undefined
      : await unfoldForTraining(model, options.resume ? undefined : loader, {
          ...(options.threads ? { threads: options.threads } : {}),
        });
  const trainable = unfolded?.model ?? model;
  const exported = (m: Model) => (unfolded ? unfolded.fold(m) : m);
  const features = featurePairs(model, options);
  const graphOptions: TrainingGraphOptions = {
    ...options,
    loss: {
      ...options.loss,
      features: [
        ...(options.loss?.features ?? []),
        ...features.map((f) => ({
          kind: f.loss,
          student: f.student,
          teacher: f.teacher,
          weight: f.weight,
          teacherShape: f.teacherShape,
        })),
      ],
    },
  };
  const tg = buildTrainingGraph(trainable, graphOptions);
  const sessionOptions: SessionOptions = {
    label: `${model.path ?? model.graph.name} (evaluation)`,
    ...(options.threads ? { threads: options.threads } : {}),
  };
  const { engine, dnnlFallback, logitsHookSkipped } = await selectEngine(
    options.engine ?? 'auto',
    {
      model: trainable,
      graph: tg,
      options: graphOptions,
      ...(options.teacher ? { teacher: options.teacher } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
      ...(options.gradientStats ? { gradientStats: options.gradientStats.values } : {}),
      label: model.path ?? model.graph.name,
      ...(options.logitsHook ? { logitsHook: options.logitsHook } : {}),
    },
    options.dnnl,
  );
  if (options.gradientStats && !engine.readGradientStats && !options.gradientStats.optional) {
    await engine.release();
    throw new PareError(
      'PARE_CONFIG',
      `gradient statistics during training need the dnnl engine; it did not run (${dnnlFallback ?? `engine ${engine.name} was asked for`})`,
    );
  }
  const state = new Map(options.resume?.state ?? initialState(tg));
  engine.writeState(state);
  const total = Math.min(options.epochs * loader.batchesPerEpoch, options.maxSteps ?? Infinity);
  const schedule = options.schedule ?? { kind: 'constant' };
  const history: Extract<TrainEvent, { kind: 'epoch' }>[] = [];
  let step = (options.resume?.epoch ?? 0) * loader.batchesPerEpoch;
  let trainedImages = 0;
  let trainSeconds = 0;
  let best = -1;
  let sinceBest = 0;
  let current = model;
  let interrupted: { epoch: number; steps: number } | undefined;
  try {
    for (let epoch = options.resume?.epoch ?? 0; epoch < options.epochs && step < total; epoch++) {
      const t0 = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let stepEnd = performance.now();
      for await (const batch of loader.epoch(epoch)) {
        if (step >= total) break;
        const tBatch = performance.now();
        const [n, c, h, w] = batch.shape;
        const lr = learningRate(schedule, options.lr, step, total);
        const tRun = performance.now();
        const r = await engine.step({ x: batch.x, dims: [n, c, h, w], labels: batch.y }, lr, step + 1);
        const tRan = performance.now();
        if (engine.readGradientStats) options.gradientStats?.onStats(engine.readGradientStats(), step + 1);
        const loss = r.loss;
        const hits = r.correct;
        if (!Number.isFinite(loss)) {
          throw new PareError(
            'PARE_RUNTIME',
            `training diverged at epoch ${epoch + 1}, step ${step + 1}: loss is ${loss}`,
            {
              notes: ['lower --lr, add --warmup, or check the data normalisation'],
            },
          );
        }
        lossSum += loss * n;
        correct += hits;
        seen += n;
        step++;
        const elapsed = (performance.now() - t0) / 1000;
        options.onEvent?.({
          kind: 'step',
          epoch,
          step: batch.index + 1,
          stepsPerEpoch: loader.batchesPerEpoch,
          loss,
          acc: hits / n,
          imgPerSec: seen / elapsed,
          lr,
          timing: {
            dataMs: tBatch - stepEnd,
            teacherMs: r.teacherMs,
            runMs: tRan - tRun - r.teacherMs,
            hostMs: performance.now() - stepEnd - (tBatch - stepEnd) - (tRan - tRun),
          },
          ...(r.terms ? { terms: r.terms } : {}),
        });
        stepEnd = performance.now();
        if (options.signal?.aborted) {
          interrupted = { epoch, steps: batch.index + 1 };
          break;
        }
      }
      if (interrupted) {
        engine.readState(state);
        current = exported(trainedModel(trainable, tg, state));
        break;
      }
      const seconds = (performance.now() - t0) / 1000;
      trainedImages += seen;
      trainSeconds += seconds;
      engine.readState(state);
      current = exported(trainedModel(trainable, tg, state));
      const test = options.test ? await evaluateModel(current, options.test, sessionOptions) : undefined;
      const event = {
        kind: 'epoch' as const,
        epoch,
        trainLoss: lossSum / Math.max(seen, 1),
        trainAcc: correct / Math.max(seen, 1),
        ...(test ? { test } : {}),
        seconds,
        imgPerSec: seen / seconds,
      };
      history.push(event);
      options.onEvent?.(event);
      await options.onEpochEnd?.(current, epoch, state);
      if (test && options.patience !== undefined) {
        if (test.top1 > best) {
          best = test.top1;
          sinceBest = 0;
        } else if (++sinceBest >= options.patience) break;
      }
    }
  } finally {
    await engine.release();
  }
  return {
    model: current,
    history,
    trainImgPerSec: trainedImages / Math.max(trainSeconds, 1e-9),
    steps: step,
    graph: tg,
    state,
    engine: engine.name,
    ...(dnnlFallback !== undefined ? { dnnlFallback } : {}),
    ...(logitsHookSkipped !== undefined ? { logitsHookSkipped } : {}),
    unfoldedBatchNorm: unfolded?.convs ?? [],
    features,
    ...(interrupted ? { interrupted } : {}),
  };
}

function featurePairs(model: Model, options: TrainOptions): ResolvedFeature[] {
  if (!options.featureDistillation) return [];
  if (!options.teacher) {
    throw new PareError('PARE_CONFIG', 'feature distillation needs a teacher model', {
      notes: ['pass --teacher MODEL'],
    });
  }
  return resolveFeaturePairs(model, options.teacher, options.featureDistillation);
}
