// Number of samples whose arg-max logit is the label (float32 scalar, summed over the batch).

import type { Value } from '../../ir/value.js';
import type { GradEmitter } from '../emitter.js';

export function correctCount(e: GradEmitter, logits: Value, labels: Value): Value {
  const n = labels.type?.shape?.[0] ?? null;
  const predicted = e.op('ArgMax', [logits], { axis: 1, keepdims: 0 }, { elemType: 7, shape: [n] });
  const hit = e.op('Cast', [e.op('Equal', [predicted, labels])], { to: 1 }, { elemType: 1, shape: [n] });
  return e.reduceSum(hit, [0], false);
}
