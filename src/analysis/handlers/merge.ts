// Index maps for ops that merge the channel axis with neighbouring axes (Flatten, Reshape):
// channel c owns every position of the merged axis whose digit for the channel axis is c.

import type { Value } from '../../ir/value.js';
import type { LinkContext, Slot } from '../handler.js';

/** Merge input axes [from, to) (static dims, channel axis among them) into axis `outAxis` of `out`. */
export function tieMerged(
  ctx: LinkContext,
  x: Slot,
  dims: readonly number[],
  from: number,
  to: number,
  out: Value,
  outAxis: number,
): void {
  let outer = 1;
  for (let a = from; a < x.axis; a++) outer *= dims[a]!;
  let inner = 1;
  for (let a = x.axis + 1; a < to; a++) inner *= dims[a]!;
  const c = x.size;
  const y = ctx.define(out, outAxis, outer * c * inner);
  for (let o = 0; o < outer; o++)
    for (let ch = 0; ch < c; ch++)
      for (let i = 0; i < inner; i++) ctx.tie(x, ch, y, (o * c + ch) * inner + i);
}
