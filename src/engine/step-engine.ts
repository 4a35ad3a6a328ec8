// The step-engine contract: whatever executes a training step (ONNX Runtime on the training-step graph,
// the oneDNN layer executor) is prepared from the trainable model and the training options, or says
// why it can't; then runs one step per batch and moves the state (parameters, optimizer state, BN
// statistics, masks) in and out as the training graph's state map, so checkpoints, resume and the
// trained model do not depend on who ran the steps. trainModel only sees this interface.

import type { TrainingGraph, TrainingGraphOptions } from '../autodiff/training-graph.js';
import type { Model } from '../ir/model.js';
import type { HostTensor } from '../runtime/session.js';

export interface StepBatch {
  /** [N, C, H, W] floats (may be longer than N·C·H·W: the loader's buffer) */
  readonly x: Float32Array;
  readonly dims: readonly [number, number, number, number];
  readonly labels: Int32Array;
}

export interface StepResult {
  /** mean loss of the batch */
  readonly loss: number;
  /** correct top-1 predictions */
  readonly correct: number;
  /** milliseconds of the step spent in the teacher's forward run (distillation), 0 without one */
  readonly teacherMs: number;
  /** The loss by term, when the engine separates them (dnnl: logits, features, and the hook's terms). */
  readonly terms?: Readonly<Record<string, number>>;
}

/**
 * Per-channel loss-gradient statistics of one value over one step's batch, with s[n, c] =
 * N·Σ_hw a·∂L/∂a (the per-sample gradient when samples are independent; L is the batch-mean loss the
 * step trains on, distillation terms included), as src/measure/gradient-stats.ts measures them.
 */
export interface ChannelGradientStats {
  /** Σ_n s[n, c] (Taylor: |sum| / samples) */
  readonly sum: Float64Array;
  /** Σ_n s[n, c]² (Fisher) */
  readonly fisher: Float64Array;
  readonly samples: number;
  /** s[n, c] itself, row-major [samples, channels]: what coupled values need to sum before squaring. */
  readonly perSample: Float64Array;
}

/** What a logits hook sees: this step's student logits [N, K], the teacher's when distilling, the labels. */
export interface LogitsHookInput {
  readonly logits: Float32Array;
  readonly teacher: Float32Array | undefined;
  readonly labels: Int32Array;
  readonly n: number;
  readonly k: number;
  /** 1-based optimizer step */
  readonly step: number;
}

/**
 * An extra loss term on the student's logits computed outside the step graph (AIP's adversarial term):
 * it adds ∂(its loss)/∂logits into `dlogits`, which the engine back-propagates with the other losses,
 * and returns its loss and any named values to log (a discriminator's own loss).
 */
export type LogitsHook = (
  x: LogitsHookInput,
  dlogits: Float32Array,
) => { readonly loss: number; readonly terms?: Readonly<Record<string, number>> };

export interface StepEngine {
  /** 'dnnl', 'nchwc-16', 'nchwc-8' or 'standard' */
  readonly name: string;
  /** One optimizer step; `step` is the 1-based step number (Adam's bias corrections). */
  step(batch: StepBatch, lr: number, step: number): Promise<StepResult>;
  /** Copy the current state into `state` (keys: the training graph's state and mask inputs). */
  readState(state: Map<string, HostTensor>): void;
  /** Take every entry of `state` present (start, resume, masks changed between steps). */
  writeState(state: ReadonlyMap<string, HostTensor>): void;
  release(): Promise<void>;
  /**
   * The last step's gradient statistics of each value in `EngineContext.gradientStats` (an optional
   * capability: engines without it leave it undefined, and prepare with those values says why).
   */
  readGradientStats?(): ReadonlyMap<string, ChannelGradientStats>;
}

/** What an engine is prepared from. */
export interface EngineContext {
  /** The model as trained (BN unfolded where asked). */
  readonly model: Model;
  readonly graph: TrainingGraph;
  readonly options: TrainingGraphOptions;
  /** Distillation teacher (its first output is the logits; feature taps by name). */
  readonly teacher?: Model;
  /** Intra-op threads (ORT) or OpenMP threads (oneDNN). */
  readonly threads?: number;
  /** For messages: the model's file or graph name. */
  readonly label: string;
  /**
   * Values (computed activations) whose per-channel gradient statistics each step records
   * (readGradientStats). The gradient is the value's whole gradient, every consumer's summed.
   */
  readonly gradientStats?: readonly string[];
  /** An extra logits gradient each step (engines that cannot run it are not chosen for it: selectEngine). */
  readonly logitsHook?: LogitsHook;
}

/** An engine, or why this engine cannot run the model with these options (the caller falls back). */
export type Prepared = { readonly engine: StepEngine } | { readonly reason: string };
