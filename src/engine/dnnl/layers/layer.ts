// What one op of the oneDNN engine is: lower(node, ctx) turns an ONNX node into a layer or says why it
// can't (the whole model then falls back to ONNX Runtime with that reason); the layer's build() creates
// its primitives and buffers for one batch size and registers its forward and backward closures.
// Shapes come from ops/ inference (ctx.shape); gradient accumulation where a value fans out is done
// once, by the build context (grads.ts), never by a layer.

import type { Node } from '../../../ir/node.js';
import type { Value } from '../../../ir/value.js';
import type { DnnlAddon, DnnlTensor, Handle } from '../../../runtime/dnnl.js';
import type { Param, RunningStats } from '../params.js';

export interface LowerContext {
  /** `Conv node 'x'`: the prefix of every reason */
  readonly where: string;
  /** The name of input i when a layer computes it (an activation), else undefined. */
  act(node: Node, i: number): string | undefined;
  /** The static shape of a value without its batch dimension, from shape inference. */
  shape(value: string): readonly number[] | undefined;
  /**
   * Input i as a trained parameter (a float initializer used once); `blocked`: a conv/Gemm weight,
   * placed in the primitive's layout when the first plan is built; `transposed`: axes 0 and 1 swapped
   * per group (`groups`) in the engine (Gemm with transB = 0, ConvTranspose).
   */
  param(
    node: Node,
    i: number,
    o?: { blocked?: boolean; transposed?: boolean; groups?: number },
  ): string | undefined;
  /** Input i as BN running statistics (mean and variance share one record). */
  running(node: Node, mean: number, variance: number): string | undefined;
  /**
   * Whether `value` is read by this node only (not a graph output, the logits or a feature tap): a
   * layer may then overwrite it in place.
   */
  soleReader(value: string): boolean;
  /** Whether a value is read: by a node or as a graph output. */
  used(value: Value): boolean;
  /** A constant input's values (attributes given as inputs: Clip bounds, Reshape shape). */
  constant(node: Node, i: number): readonly number[] | undefined;
  /** Dropout drops (training mode), as the training graph's `dropout: 'train'` (the default). */
  readonly dropout: boolean;
}

export interface Act {
  readonly t: DnnlTensor;
  /** needs a gradient (something upstream has parameters) */
  readonly grad: boolean;
}

export interface BuildContext {
  readonly d: DnnlAddon;
  /** batch size of this plan */
  readonly n: number;
  /** OpenMP threads for batch norm (its blocked kernel spins at barriers; docs/engine-dnnl.md) */
  readonly bnThreads: number;
  act(value: string): Act;
  define(value: string, t: DnnlTensor, grad: boolean): void;
  param(name: string): Param;
  running(name: string): RunningStats;
  /** Conv/Gemm weights take the layout of the first primitive that uses them. */
  placeWeights(p: Param, conv: Handle<'conv' | 'deconv'>): void;
  forward(f: () => void): void;
  /** Registered in forward order, run in reverse. */
  backward(f: () => void): void;
  /** The gradient that reached `value` (all contributions summed). */
  gradOf(value: string): DnnlTensor;
  /** A buffer for one contribution to `value`'s gradient; hand it to contribute() once written. */
  target(value: string): DnnlTensor;
  /** Add a contribution (from target(), or a gradient passed through unchanged) to `value`'s gradient. */
  contribute(value: string, g: DnnlTensor): void;
  /** List a primitive with oneDNN's implementation of each of its parts (tests fail on `ref`). */
  record(kind: string, h: Handle<string>, which: readonly string[]): void;
}

export interface Layer {
  /** the value this layer computes (ONNX output 0) */
  readonly output: string;
  build(b: BuildContext): void;
}

/** An op's lowering: a layer, or why the engine cannot run this node. */
export type Lower = (node: Node, ctx: LowerContext) => Layer | string;

/** The [C, H, W] extent of an activation tensor [N, C, H?, W?]. */
export function chw(t: DnnlTensor): [number, number, number] {
  const d = t.dims;
  return [d[1]!, d[2] ?? 1, d[3] ?? 1];
}

/** A 2-D int attribute list of length n, or its default; undefined when the length is wrong. */
export function ints(node: Node, name: string, n: number, fallback: number): number[] | undefined {
  const a = node.attrInts(name) ?? Array(n).fill(fallback);
  return a.length === n ? [...a] : undefined;
}
