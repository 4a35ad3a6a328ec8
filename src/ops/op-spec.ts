// OpSpec: what pare knows about one ONNX operator: output types from input types (shape inference),
// output data from known input data (constant evaluation), MACs and which inputs are parameters.

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Dim, ValueType } from '../ir/value.js';
import type { SymTensor } from './sym-tensor.js';

export interface ShapeContext {
  readonly graph: Graph;
  /** Version of the default ONNX domain ('' / 'ai.onnx') the graph imports. */
  readonly opset: number;
  /** Whether input i is present (not omitted with ''). */
  has(i: number): boolean;
  /** Shape of input i. Aborts the rule quietly (outputs stay untyped) when it is not known. */
  shape(i: number): readonly Dim[];
  /** Element type of input i (aborts quietly when unknown). */
  elemType(i: number): number;
  /** Data of input i when known before run time (elements may be symbols or null). */
  data(i: number): SymTensor | undefined;
  /** Integer data of input i when every element is known. */
  ints(i: number): number[] | undefined;
  /** Float data of input i when every element is known. */
  floats(i: number): number[] | undefined;
  /** Throw PARE_SHAPE naming the node (and input `input` when given), with hints. */
  fail(message: string, options?: { input?: number; notes?: readonly string[] }): never;
}

/** Per-sample view of a node for costs: dims with symbols → 1 and a static batch → 1. */
export interface CostContext {
  /** Per-sample dims of input i (undefined when unknown or absent). */
  input(i: number): readonly number[] | undefined;
  /** Per-sample dims of output i. */
  output(i: number): readonly number[] | undefined;
}

export interface OpSpec {
  /** Output types, one per node output (entries may have an undefined shape: rank unknown). */
  shape(node: Node, ctx: ShapeContext): readonly ValueType[];
  /** Output data when the inputs are known before run time; undefined entries: not evaluable. */
  evaluate?(
    node: Node,
    ctx: ShapeContext,
    outputs: readonly ValueType[],
  ): readonly (SymTensor | undefined)[] | undefined;
  /** Multiply-accumulates per sample; undefined when the shapes needed are unknown. */
  macs?(node: Node, ctx: CostContext): number | undefined;
  /** Input slots that hold learnable parameters when fed by a float initializer. */
  readonly paramInputs?: readonly number[];
  /** Smallest constant (elements) that counts as a parameter (scalars in Add/Mul are not). */
  readonly paramMinSize?: number;
}

/** Same element type as input `i`, given shape. */
export function like(ctx: ShapeContext, shape: readonly Dim[] | undefined, i = 0): ValueType {
  return { elemType: ctx.elemType(i), shape };
}
