// The ShapeContext a rule sees for one node: input types and known data, and PARE_SHAPE errors
// that name the node and the input. A rule asking for a shape nobody knows is aborted quietly
// (UnknownInput) so that unknown shapes propagate instead of failing.

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value, ValueType } from '../ir/value.js';
import { PareError } from '../util/errors.js';
import type { ShapeContext } from './op-spec.js';
import { isConcrete, type SymTensor } from './sym-tensor.js';

/** Thrown by a context when a rule needs an input type that is unknown; never escapes ops/. */
export class UnknownInput extends Error {
  constructor(readonly input: number) {
    super(`input ${input} has no known type`);
  }
}

export interface ContextSources {
  typeOf(v: Value): ValueType | undefined;
  dataOf(v: Value): SymTensor | undefined;
}

export function makeShapeContext(graph: Graph, node: Node, src: ContextSources): ShapeContext {
  const type = (i: number): ValueType => {
    const v = node.input(i);
    const t = v ? src.typeOf(v) : undefined;
    if (!t) throw new UnknownInput(i);
    return t;
  };
  const ctx: ShapeContext = {
    graph,
    opset: graph.opset || 21,
    has: (i) => node.input(i) !== undefined && node.input(i)?.name !== '',
    shape: (i) => {
      const s = type(i).shape;
      if (!s) throw new UnknownInput(i);
      return s;
    },
    elemType: (i) => type(i).elemType,
    data: (i) => {
      const v = node.input(i);
      return v ? src.dataOf(v) : undefined;
    },
    ints: (i) => {
      const d = ctx.data(i);
      return d && isConcrete(d) ? (d.data as number[]).map(Math.trunc) : undefined;
    },
    floats: (i) => {
      const d = ctx.data(i);
      return d && isConcrete(d) ? (d.data as number[]) : undefined;
    },
    fail: (message, options = {}) => {
      const i = options.input;
      const v = i === undefined ? undefined : node.input(i);
      const where = i === undefined ? '' : ` input ${i}${v ? ` ('${v.name}')` : ''}`;
      throw new PareError('PARE_SHAPE', `${node.opType} '${node.name}'${where}: ${message}`, {
        node,
        ...(v ? { tensor: v.name } : {}),
        ...(options.notes ? { notes: options.notes } : {}),
      });
    },
  };
  return ctx;
}
