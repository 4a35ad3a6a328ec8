// Small helpers handlers share: axis normalisation, broadcasting alignment, ints from an input or
// from the attribute older opsets used instead.

import type { Node } from '../../ir/node.js';
import type { Dim } from '../../ir/value.js';
import type { LinkContext, PruneContext } from '../handler.js';

export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Axis of an operand of rank `rank` that lines up with axis `axis` of a rank-`outRank` result, or -1. */
export function operandAxis(axis: number, outRank: number, rank: number): number {
  const a = axis - (outRank - rank);
  return a >= 0 && a < rank ? a : -1;
}

/** Integer list from input `input` (when present) or attribute `attr`. */
export function intsArg(
  node: Node,
  ctx: LinkContext | PruneContext,
  input: number,
  attr: string,
): number[] | undefined {
  const v = node.input(input);
  if (v) return ctx.ints(v);
  const a = node.attrInts(attr);
  return a ? [...a] : undefined;
}

export function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function isStatic(dims: readonly Dim[]): dims is readonly number[] {
  return dims.every((d) => typeof d === 'number');
}

/** Position of `keep`-sorted index `p`: how many kept positions lie below `p`. */
export function rankBelow(keep: Int32Array, p: number): number {
  let lo = 0;
  let hi = keep.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keep[mid]! < p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
