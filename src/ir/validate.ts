// Structural validation: validateGraph returns diagnostics naming nodes and values and never throws;
// assertWellFormed throws the first error (what the reader demands of a file).

import type { Diagnostic } from '../util/diagnostics.js';
import { PareError } from '../util/errors.js';
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

/**
 * What a graph read from a file must satisfy before anything computes on it: no cycle, nodes in
 * topological order (re-ordered when a file lists them otherwise), every node input produced by a
 * node, a graph input or an initializer, every graph output produced. A damaged file (a flipped byte
 * in a value name) fails here, naming the node and value, instead of later as a '?' shape or as an
 * "invalid graph" after surgery.
 */
export function assertWellFormed(g: Graph, file: string, sparseNames: ReadonlySet<string> = new Set()): void {
  try {
    g.toposort();
  } catch (e) {
    if (!(e instanceof PareError)) throw e;
    throw new PareError(e.code, `model '${file}': ${e.message}`, {
      file,
      ...(e.node ? { node: e.node } : {}),
      notes: ['a node depends on its own output; the file is damaged or the export is broken'],
    });
  }
  // Sparse initializers are kept opaque (not values of the graph): a node may read them.
  const errors = validateGraph(g).filter(
    (d) => d.severity === 'error' && !(d.tensor && sparseNames.has(d.tensor)),
  );
  const first = errors[0];
  if (!first) return;
  throw new PareError('PARE_GRAPH_INVALID', `model '${file}': ${first.text}`, {
    file,
    ...(first.node ? { node: first.node } : {}),
    ...(first.tensor ? { tensor: first.tensor } : {}),
    notes: [
      ...(errors.length > 1 ? [`and ${errors.length - 1} more such problem(s)`] : []),
      'the file is damaged (a changed name breaks the links between nodes) or the exporter wrote a broken graph; export it again',
    ],
  });
}
