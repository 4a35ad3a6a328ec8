// Cross-entropy over class logits [N, K] and int64 labels [N], mean over the batch, with PyTorch's
// label smoothing: target = (1 − ε)·onehot + ε/K.

import type { Value } from '../../ir/value.js';
import type { GradEmitter } from '../emitter.js';

export function crossEntropyLoss(
  e: GradEmitter,
  logits: Value,
  labels: Value,
  classes: number,
  labelSmoothing = 0,
): Value {
  const logp = e.op('LogSoftmax', [logits], { axis: 1 }, { shape: logits.type?.shape });
  const target = oneHot(
    e,
    labels,
    classes,
    logits,
    1 - labelSmoothing + labelSmoothing / classes,
    labelSmoothing / classes,
  );
  const perSample = e.reduceSum(e.op('Mul', [target, logp]), [1], false);
  return e.op('Neg', [e.reduceMean(perSample, [0], false)]);
}

/** Float [N, K] rows with `on` at the label and `off` elsewhere. */
export function oneHot(
  e: GradEmitter,
  labels: Value,
  classes: number,
  like: Value,
  on: number,
  off: number,
): Value {
  const depth = e.scalar(classes, 7);
  const values = e.tensor([2], [off, on], like);
  const elemType = like.type?.elemType ?? 1;
  return e.op(
    'OneHot',
    [labels, depth, values],
    { axis: -1 },
    { elemType, shape: [labels.type?.shape?.[0] ?? null, classes] },
  );
}
