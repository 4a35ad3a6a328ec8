// Build-time data of values: initializers, Constant nodes and evaluable chains over them (Shape →
// Gather → Unsqueeze → Concat ...). Lazy and memoised per instance; types come from value.type or,
// when a producer is not typed yet, from its rule.

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value, ValueType } from '../ir/value.js';
import type { ShapeContext } from './op-spec.js';
import { opSpecOf } from './registry.js';
import { makeShapeContext, UnknownInput } from './shape-context.js';
import { type SymTensor, symFromTensor } from './sym-tensor.js';

export class Evaluator {
  private readonly memo = new Map<Value, SymTensor | null>();

  constructor(readonly graph: Graph) {}

  /** Context for a node whose inputs read types from the values and data from this evaluator. */
  context(node: Node): ShapeContext {
    return makeShapeContext(this.graph, node, { typeOf: (v) => this.typeOf(v), dataOf: (v) => this.data(v) });
  }

  typeOf(v: Value): ValueType | undefined {
    if (v.const) return { elemType: v.const.dataType, shape: v.const.dims };
    return v.type;
  }

  data(v: Value): SymTensor | undefined {
    const known = this.memo.get(v);
    if (known !== undefined) return known ?? undefined;
    this.memo.set(v, null); // guards against cycles in broken graphs
    const r = this.compute(v);
    this.memo.set(v, r ?? null);
    return r;
  }

  /** Forget computed data (after types changed, e.g. when a runtime fallback filled shapes). */
  reset(): void {
    this.memo.clear();
  }

  private compute(v: Value): SymTensor | undefined {
    if (v.const) return symFromTensor(v.const);
    const node = v.producer;
    const spec = node ? opSpecOf(node) : undefined;
    if (!node || !spec?.evaluate) return undefined;
    const ctx = this.context(node);
    try {
      let outs = node.outputs.map((o) => o.type);
      if (outs.some((t) => t?.shape === undefined)) outs = [...spec.shape(node, ctx)];
      if (outs.some((t) => t === undefined)) return undefined;
      const res = spec.evaluate(node, ctx, outs as ValueType[]);
      return res?.[node.outputs.indexOf(v)];
    } catch (e) {
      if (e instanceof UnknownInput) return undefined;
      throw e;
    }
  }
}
