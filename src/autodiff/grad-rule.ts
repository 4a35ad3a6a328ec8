// The contract between the backward driver and one op's gradient rule. A rule sees the forward node,
// the gradients of its outputs and an emitter; it returns one gradient per input (undefined where the
// driver did not ask for one). Shared work (fan-out, unbroadcasting, checks) stays in the driver.

import type { Node } from '../ir/node.js';
import type { Dim, Value } from '../ir/value.js';
import type { GradEmitter } from './emitter.js';

export interface GradContext {
  readonly node: Node;
  /** Emits gradient nodes named after the forward node. */
  readonly e: GradEmitter;
  /** dL/d(output i); zeros of the output's shape when output i does not reach the loss. */
  dy(i?: number): Value;
  /** Whether output i reaches the loss (so dy(i) is not just zeros). */
  hasDy(i: number): boolean;
  /** Whether the driver needs the gradient of input i. */
  needs(i: number): boolean;
  /** Forward input i (throws a named error when absent). */
  x(i: number): Value;
  /** Forward output i. */
  y(i?: number): Value;
  /** Shape of a forward value (throws PARE_SHAPE when unknown). */
  shape(v: Value): readonly Dim[];
  /** Static shape of a forward value (throws PARE_SHAPE when any dim is not a number). */
  dims(v: Value): readonly number[];
  /** Dims after the batch axis, which must be static (the batch itself may be symbolic). */
  dimsAfterBatch(v: Value): readonly number[];
  /** Data of a constant input (throws PARE_GRADIENT when the input is computed at run time). */
  constInts(i: number): number[] | undefined;
  /** A PareError naming this node, for rules that meet an unsupported attribute. */
  fail(message: string, hint?: string): Error;
}

/**
 * Gradients per input, index-aligned with the node's inputs. A gradient may have the output's
 * (broadcast) shape: the driver sums it back to the input's shape.
 */
export type InputGrads = readonly (Value | undefined)[];

export interface GradRule {
  /** Inputs that can carry a gradient; shapes, axes, indices and running statistics never do. */
  readonly differentiable: readonly number[];
  /**
   * The rule is right when dy has any shape that broadcasts to its output's (elementwise rules):
   * the driver then hands over a broadcast gradient unexpanded instead of materialising it.
   */
  readonly broadcastDy?: boolean;
  readonly backward: (ctx: GradContext) => InputGrads;
}
