// A model's declared interface (the types of its graph inputs and outputs as read from the file),
// kept aside before --input-shape fixes dynamic dims for analysis, and put back on what is written:
// a model exported with a dynamic batch must still run at any batch after pruning. Shapes inside the
// graph are re-derived from the restored inputs, so no value_info keeps the analysis batch.

import type { Graph } from '../ir/graph.js';
import { cloneModel, type Model } from '../ir/model.js';
import type { ValueType } from '../ir/value.js';
import { inferShapes } from '../ops/infer-shapes.js';

export interface DeclaredInterface {
  readonly inputs: ReadonlyMap<string, ValueType | undefined>;
  readonly outputs: ReadonlyMap<string, ValueType | undefined>;
}

const copy = (t: ValueType | undefined): ValueType | undefined =>
  t ? { elemType: t.elemType, shape: t.shape ? [...t.shape] : undefined } : undefined;

/** The input and output types as they are now (call before fixing any shape). */
export function declaredInterface(graph: Graph): DeclaredInterface {
  return {
    inputs: new Map(graph.feedInputs.map((v) => [v.name, copy(v.type)])),
    outputs: new Map(graph.outputs.map((v) => [v.name, copy(v.type)])),
  };
}

/** Whether any declared input dim is not a fixed number (a symbol or unknown). */
export function hasDynamicDims(declared: DeclaredInterface): boolean {
  return [...declared.inputs.values()].some((t) => t?.shape?.some((d) => typeof d !== 'number'));
}

/**
 * A copy of `model` with the declared input types back and every other shape re-derived from them.
 * An output keeps its declared type where the static rules cannot derive one (its channel count is
 * the one dim pruning could change, and outputs are classifier logits that are never pruned).
 */
export function withDeclaredInterface(model: Model, declared: DeclaredInterface): Model {
  const m = cloneModel(model);
  const g = m.graph;
  if (![...declared.inputs.values()].some((t) => t?.shape?.some((d) => typeof d !== 'number'))) return m;
  for (const v of g.feedInputs) {
    const t = declared.inputs.get(v.name);
    if (t) v.type = copy(t);
  }
  for (const v of g.outputs) {
    const t = declared.outputs.get(v.name);
    const now = v.type?.shape;
    // Keep the pruned width where the declared shape has a number of a different rank or width.
    if (t?.shape && now && t.shape.length === now.length)
      v.type = {
        elemType: t.elemType,
        shape: t.shape.map((d, i) => (typeof d === 'number' ? (now[i] ?? d) : d)),
      };
  }
  inferShapes(g);
  return m;
}
