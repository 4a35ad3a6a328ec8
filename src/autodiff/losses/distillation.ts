// Hinton knowledge distillation: α·T²·KL(softmax(t/T) ‖ softmax(s/T)) (batch mean) mixed with
// (1 − α)·cross-entropy on the labels. The teacher logits are fed; no gradient reaches them.

import type { Value } from '../../ir/value.js';
import type { GradEmitter } from '../emitter.js';
import { crossEntropyLoss } from './cross-entropy.js';

export interface DistillationOptions {
  readonly temperature: number;
  /** Weight of the distillation term; the labels get 1 − alpha. */
  readonly alpha: number;
  readonly labelSmoothing?: number;
}

export function distillationLoss(
  e: GradEmitter,
  logits: Value,
  teacher: Value,
  labels: Value,
  classes: number,
  o: DistillationOptions,
): Value {
  const t = e.scalarLike(o.temperature, logits);
  const soft = (v: Value) => e.op('LogSoftmax', [e.op('Div', [v, t])], { axis: 1 }, { shape: v.type?.shape });
  const logStudent = soft(logits);
  const logTeacher = soft(teacher);
  const pointwise = e.op('Mul', [e.op('Exp', [logTeacher]), e.op('Sub', [logTeacher, logStudent])]);
  const kl = e.reduceMean(e.reduceSum(pointwise, [1], false), [0], false);
  const kd = e.op('Mul', [kl, e.scalarLike(o.alpha * o.temperature * o.temperature, logits)]);
  if (o.alpha === 1) return kd;
  const ce = crossEntropyLoss(e, logits, labels, classes, o.labelSmoothing ?? 0);
  return e.op('Add', [kd, e.op('Mul', [ce, e.scalarLike(1 - o.alpha, logits)])]);
}
