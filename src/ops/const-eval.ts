// constValue: a value's data when it is known before run time (initializer, Constant, Identity of a
// constant, and Shape/Gather/Concat/... chains over known shapes). Run inferShapes first so that
// Shape nodes see their input shapes.

import type { Graph } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { Evaluator } from './evaluator.js';
import { type SymTensor, symToTensor } from './sym-tensor.js';

/** The data of `v` when every element is known before run time. */
export function constValue(graph: Graph, v: Value): Tensor | undefined {
  const root = throughIdentity(v);
  const direct = storedTensor(root);
  if (direct) return direct;
  const s = new Evaluator(graph).data(root);
  return s ? symToTensor(s) : undefined;
}

/** Like constValue, but elements may be symbols ('N') or unknown (null): Shape of [N, 3] → [N, 3]. */
export function symbolicValue(graph: Graph, v: Value): SymTensor | undefined {
  return new Evaluator(graph).data(v);
}

/** Follow Identity (and inference-mode Dropout) back to the value they pass through. */
export function throughIdentity(v: Value): Value {
  let cur = v;
  for (;;) {
    const p = cur.producer;
    if (!p || !(p.opType === 'Identity' || (p.opType === 'Dropout' && p.outputs[0] === cur && !p.input(2))))
      return cur;
    const src = p.input(0);
    if (!src) return cur;
    cur = src;
  }
}

/** The Tensor stored as-is for `v`: an initializer, or a Constant node's `value` (any size). */
export function storedTensor(v: Value): Tensor | undefined {
  if (v.const) return v.const;
  const p = v.producer;
  return p?.opType === 'Constant' && (p.domain === '' || p.domain === 'ai.onnx')
    ? p.attrTensor('value')
    : undefined;
}
