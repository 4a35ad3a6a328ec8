// BatchNormalization in training mode, built from primitives so the backward pass differentiates it
// exactly through the batch statistics. Running statistics are updated the way PyTorch does it:
// new = momentum·old + (1 − momentum)·batch (ONNX momentum, i.e. 1 − PyTorch's), with the unbiased
// batch variance.

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { describeNode, PareError } from '../util/errors.js';
import type { GradEmitter } from './emitter.js';

export interface ExpandedBatchNorm {
  /** The running-statistics inputs of the node (fed each step). */
  readonly runningMean: Value;
  readonly runningVar: Value;
  /** Their values after this step. */
  readonly nextMean: Value;
  readonly nextVar: Value;
}

/** Replace `node` by its training-mode computation; its output keeps its consumers. */
export function expandBatchNorm(graph: Graph, node: Node, e: GradEmitter): ExpandedBatchNorm {
  const [x, scale, bias, mean, variance] = [0, 1, 2, 3, 4].map((i) => node.input(i));
  if (!x || !scale || !bias || !mean || !variance) {
    throw new PareError('PARE_BAD_MODEL', `${describeNode(node)}: expected 5 inputs`, { node });
  }
  const shape = x.type?.shape;
  const c = shape?.[1];
  if (!shape || typeof c !== 'number') {
    throw new PareError('PARE_SHAPE', `${describeNode(node)}: training mode needs a static channel count`, {
      node,
      notes: ['run shape inference on the model first'],
    });
  }
  const rank = shape.length;
  const axes = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
  const spread = (v: Value) => e.unsqueeze(v, axes);
  const momentum = node.attrFloat('momentum', 0.9);
  const eps = e.scalarLike(node.attrFloat('epsilon', 1e-5), x);

  const batchMean = e.reduceMean(x, axes, true);
  const centred = e.op('Sub', [x, batchMean]);
  const batchVar = e.reduceMean(e.op('Mul', [centred, centred]), axes, true);
  const invStd = e.op('Div', [e.scalarLike(1, x), e.op('Sqrt', [e.op('Add', [batchVar, eps])])]);
  const a = e.op('Mul', [invStd, spread(scale)]);
  const y = e.op('Add', [e.op('Mul', [centred, a]), spread(bias)]);

  // Running statistics: per-channel vectors, unbiased variance (n / (n − 1)).
  const perChannel = (v: Value) => e.squeeze(v, axes);
  const count = elementsPerChannel(e, x, c);
  const unbiased = e.op('Mul', [
    perChannel(batchVar),
    e.op('Div', [count, e.op('Sub', [count, e.scalarLike(1, x)])]),
  ]);
  const blend = (old: Value, batch: Value) =>
    e.op('Add', [
      e.op('Mul', [old, e.scalarLike(momentum, x)]),
      e.op('Mul', [batch, e.scalarLike(1 - momentum, x)]),
    ]);
  const nextMean = blend(mean, perChannel(batchMean));
  const nextVar = blend(variance, unbiased);

  const out = node.output();
  y.type = out.type ?? y.type;
  graph.replaceAllUses(out, y);
  graph.removeNode(node);
  return { runningMean: mean, runningVar: variance, nextMean, nextVar };
}

/** N·H·W as a float scalar: a constant when the batch is static, from Size(x) / C otherwise. */
function elementsPerChannel(e: GradEmitter, x: Value, c: number): Value {
  const s = x.staticShape;
  if (s) return e.scalarLike(s.reduce((p, d) => p * d, 1) / c, x);
  const elemType = x.type?.elemType ?? 1;
  const size = e.op(
    'Cast',
    [e.op('Size', [x], {}, { elemType: 7, shape: [] })],
    { to: elemType },
    { elemType, shape: [] },
  );
  return e.op('Div', [size, e.scalarLike(c, x)]);
}
