// The axes a Reduce* node reduces (input since opset 13 for ReduceSum, 18 for the others; attribute
// before), normalised to non-negative; empty means all axes unless noop_with_empty_axes.

import type { GradContext } from '../grad-rule.js';

export function reduceAxes(ctx: GradContext, rank: number): number[] {
  const { node } = ctx;
  const fromInput = node.inputs.length > 1 ? ctx.constInts(1) : undefined;
  const axes = fromInput ?? [...(node.attrInts('axes') ?? [])];
  if (axes.length === 0) {
    if (node.attrInt('noop_with_empty_axes', 0) === 1) return [];
    return Array.from({ length: rank }, (_, i) => i);
  }
  return axes.map((a) => (a < 0 ? a + rank : a));
}
