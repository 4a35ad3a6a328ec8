// The optimizer contract: per parameter, the state it carries between steps and the graph that
// computes the new parameter and state from the gradient. Formulas follow torch.optim exactly.

import type { Value } from '../../ir/value.js';
import type { GradEmitter } from '../emitter.js';
import { type AdamOptions, createAdam } from './adam.js';
import { createSgd, type SgdOptions } from './sgd.js';

export type OptimizerOptions = SgdOptions | AdamOptions;

export interface ParamStep {
  readonly param: Value;
  readonly grad: Value;
  /** Current state values, in the order of `slots`. */
  readonly state: readonly Value[];
  /** Whether weight decay applies to this parameter. */
  readonly decay: boolean;
}

export interface StepResult {
  readonly param: Value;
  readonly state: readonly Value[];
}

export interface Optimizer {
  /** Names of the per-parameter state tensors (zeros at the start, shaped like the parameter). */
  readonly slots: readonly string[];
  /** Whether the step graph needs the 1-based step number as an input (bias corrections). */
  readonly needsStep: boolean;
  update(e: GradEmitter, p: ParamStep): StepResult;
}

export interface StepScalars {
  /** Learning rate, a float scalar input. */
  readonly lr: Value;
  /** 1-based step number, a float scalar input (present when the optimizer needs it). */
  readonly step: Value | undefined;
}

export function createOptimizer(options: OptimizerOptions, scalars: StepScalars): Optimizer {
  return options.kind === 'sgd' ? createSgd(options, scalars) : createAdam(options, scalars);
}
