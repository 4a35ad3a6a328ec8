// Per-step state beside the parameters (which become inputs through Graph.initializerToInput): a
// channel mask input can hold a parameter's channels at zero, and outputs get stable names.

import type { Graph } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import { PareError } from '../util/errors.js';
import type { GradEmitter } from './emitter.js';

/**
 * Feed every forward use of parameter `p` through p·mask (mask [channels] broadcast along axis 0),
 * so masked channels are zero in the forward pass and get zero gradient. Returns the mask input.
 */
export function maskParameter(g: Graph, e: GradEmitter, p: Value): Value {
  const dims = p.type?.shape as number[] | undefined;
  if (!dims || dims.length === 0) {
    throw new PareError('PARE_CONFIG', `parameter '${p.name}' has no channel axis to mask`, {
      tensor: p.name,
    });
  }
  const uses = [...p.uses];
  const mask = g.addInput(g.uniqueName(`${p.name}.mask`), [dims[0]!], p.type?.elemType ?? 1);
  const masked = applyMask(e, p, mask);
  for (const u of uses) u.node.setInput(u.index, masked);
  return mask;
}

/** v·mask with the mask broadcast along axis 0 of v. */
export function applyMask(e: GradEmitter, v: Value, mask: Value): Value {
  const rank = v.type?.shape?.length ?? 1;
  const spread =
    rank > 1
      ? e.unsqueeze(
          mask,
          Array.from({ length: rank - 1 }, (_, i) => i + 1),
        )
      : mask;
  return e.op('Mul', [v, spread], {}, { shape: v.type?.shape });
}

/** Give `v` the graph-output name `name` (an Identity when `v` is itself an input or constant). */
export function nameOutput(g: Graph, v: Value, name: string): Value {
  const fresh = v.producer !== null && !g.outputs.includes(v) && g.value(name) === undefined;
  if (fresh) {
    g.renameValue(v, name);
    return v;
  }
  const out = g.addNode('Identity', [v], [g.uniqueName(name)]).output();
  out.type = v.type;
  return out;
}
