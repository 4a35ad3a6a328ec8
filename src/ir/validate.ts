// Structural validation: returns diagnostics naming nodes and values; never throws.

import type { Diagnostic } from '../util/diagnostics.js';
import type { Graph } from './graph.js';
import type { Value } from './value.js';

export function validateGraph(g: Graph): Diagnostic[] {
  const out: Diagnostic[] = [];
  const available = new Set<Value>([...g.inputs, ...g.initializers]);
  const seenNames = new Set<string>();
  for (const n of g.nodes) {
    if (seenNames.has(n.name)) {
      out.push({
        code: 'PARE_GRAPH_INVALID',
        severity: 'warning',
        text: `node name '${n.name}' is used twice`,
        node: n,
      });
    }
    seenNames.add(n.name);
    n.inputs.forEach((v, i) => {
      if (!v || available.has(v)) return;
      const text = v.producer
        ? `${n.opType} '${n.name}' input ${i} ('${v.name}') is used before ${v.producer.opType} '${v.producer.name}' produces it`
        : `${n.opType} '${n.name}' input ${i} ('${v.name}') is not produced by any node, input or initializer`;
      out.push({ code: 'PARE_GRAPH_INVALID', severity: 'error', text, node: n, tensor: v.name });
    });
    for (const v of n.outputs) {
      if (v.name !== '' && v.isConst) {
        out.push({
          code: 'PARE_GRAPH_INVALID',
          severity: 'error',
          text: `${n.opType} '${n.name}' output '${v.name}' is also an initializer`,
          node: n,
          tensor: v.name,
        });
      }
      available.add(v);
    }
  }
  for (const v of g.outputs) {
    if (!available.has(v)) {
      out.push({
        code: 'PARE_GRAPH_INVALID',
        severity: 'error',
        text: `graph output '${v.name}' is never produced`,
        tensor: v.name,
      });
    }
  }
  return out;
}
