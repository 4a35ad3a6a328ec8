// Which initializers are learnable parameters, counted the way PyTorch counts module parameters:
// float initializers in a trainable slot of their consumer (Conv W/B, BN scale/bias, Gemm B/C,
// non-scalar Add/Mul constants, ...). BN running mean/var and shape-computing integer constants are
// not parameters. findParams lists each stored initializer once (what training updates);
// findParamHandles lists each parameter PyTorch counts: torch.onnx.export de-duplicates initializers
// with equal values (the BN weights of 1 and biases of 0 of a fresh model) into one initializer read
// through one Identity node per original parameter, so every distinct value feeding a trainable slot
// (the initializer itself, or an Identity output) is a parameter of its own.

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { storedTensor, throughIdentity } from './const-eval.js';
import { opSpecOf } from './registry.js';
import { isFloatElem } from './sym-tensor.js';

export interface ParamUse {
  /** The initializer (or Constant node output) holding the parameter. */
  readonly value: Value;
  /** The first node (in graph order) that consumes it in a trainable slot. */
  readonly node: Node;
  readonly input: number;
  readonly size: number;
}

/** Parameters in graph order, each initializer once, attributed to its first trainable consumer. */
export function findParams(graph: Graph): ParamUse[] {
  return trainableSlots(graph, throughIdentity);
}

/** Parameters as PyTorch counts them: one per distinct value read by a trainable slot (see above). */
export function findParamHandles(graph: Graph): ParamUse[] {
  return trainableSlots(graph, (v) => v);
}

/** Float constants in trainable slots, one entry per distinct `key(input)`, in graph order. */
function trainableSlots(graph: Graph, key: (v: Value) => Value): ParamUse[] {
  const seen = new Set<Value>();
  const out: ParamUse[] = [];
  for (const node of graph.nodes) {
    const spec = opSpecOf(node);
    for (const i of spec?.paramInputs ?? []) {
      const v = node.input(i);
      if (!v) continue;
      const handle = key(v);
      if (seen.has(handle)) continue;
      const t = storedTensor(throughIdentity(v)); // exporters sometimes keep weights in Constant nodes
      if (!t || !isFloatElem(t.dataType) || t.size < (spec?.paramMinSize ?? 1)) continue;
      seen.add(handle);
      out.push({ value: handle, node, input: i, size: t.size });
    }
  }
  return out;
}
