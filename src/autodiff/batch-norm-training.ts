// BatchNormalization in training mode. The batch statistics are computed from primitives (mean by
// ReduceMean, variance as the mean of (x − mean)², two passes: E[x²] − E[x]² loses float32 digits
// when |mean| ≫ std) and fed to the inference-form BatchNormalization op, whose rule differentiates
// through mean and var too, so the gradient is exact while y is written in one pass. Running statistics follow
// PyTorch: new = momentum·old + (1 − momentum)·batch (ONNX momentum, i.e. 1 − PyTorch's), with the
// unbiased batch variance.

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
  const [x, scale, bias, runningMean, variance] = [0, 1, 2, 3, 4].map((i) => node.input(i));
  if (!x || !scale || !bias || !runningMean || !variance) {
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
  const axes = [0, ...Array.from({ length: shape.length - 2 }, (_, i) => i + 2)];
  const momentum = node.attrFloat('momentum', 0.9);
  const epsilon = node.attrFloat('epsilon', 1e-5);
  const k = (v: number) => e.scalarLike(v, x);

  const count = elementsPerChannel(e, x, c);
  const batchMean = e.reduceMean(x, axes, true);
  const centred = e.op('Sub', [x, batchMean]);
  const perChannel = (v: Value) => e.squeeze(v, axes);
  const batchVar = e.op('Div', [e.reduceSumSquare(centred, axes, false), count]);
  const mean = perChannel(batchMean);
  const y = e.op('BatchNormalization', [x, scale, bias, mean, batchVar], { epsilon }, { shape });

  const unbiased = e.op('Mul', [batchVar, e.op('Div', [count, e.op('Sub', [count, k(1)])])]);
  const blend = (old: Value, batch: Value) =>
    e.op('Add', [e.op('Mul', [old, k(momentum)]), e.op('Mul', [batch, k(1 - momentum)])]);
  const nextMean = blend(runningMean, mean);
  const nextVar = blend(variance, unbiased);

  const out = node.output();
  y.type = out.type ?? y.type;
  graph.replaceAllUses(out, y);
  graph.removeNode(node);
  return { runningMean, runningVar: variance, nextMean, nextVar };
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
