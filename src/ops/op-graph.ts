// singleOpGraph: a graph holding one node, for checking an op's rules in isolation (shape tests,
// cross-checks against ONNX Runtime, gradient checks). Inputs are shapes (graph inputs), Tensors
// (initializers) or null (omitted optional input).

import type { AttributeValue } from '../ir/attribute.js';
import { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import type { Dim, Value } from '../ir/value.js';

export type OpInput =
  | readonly Dim[]
  | Tensor
  | null
  | { readonly shape: readonly Dim[]; readonly elemType: number };

export interface SingleOp {
  readonly graph: Graph;
  readonly node: Node;
}

export function singleOpGraph(
  opType: string,
  inputs: readonly OpInput[],
  attrs: Readonly<Record<string, AttributeValue>> = {},
  options: { opset?: number; outputs?: number; name?: string } = {},
): SingleOp {
  const g = new Graph(opType.toLowerCase());
  g.opsets.set('', options.opset ?? 13);
  const values: (Value | null)[] = inputs.map((inp, i) => {
    if (inp === null) return null;
    if (inp instanceof Tensor) return g.addInitializer(`c${i}`, inp);
    if ('shape' in inp) return g.addInput(`x${i}`, inp.shape, inp.elemType);
    return g.addInput(`x${i}`, inp as readonly Dim[]);
  });
  const n = options.outputs ?? 1;
  const outNames = Array.from({ length: n }, (_, i) => `y${i}`);
  const node = g.addNode(opType, values, outNames, { name: options.name ?? opType.toLowerCase(), attrs });
  for (const o of node.outputs) g.addOutput(o);
  return { graph: g, node };
}

/** Scalar and vector constants for op inputs (int64 axes/pads/shapes, float scales). */
export const ints = (values: readonly number[]): Tensor => Tensor.int64([values.length], values);
export const floats = (values: readonly number[]): Tensor => Tensor.float32([values.length], values);
export const scalar = (value: number): Tensor => Tensor.float32([], [value]);
