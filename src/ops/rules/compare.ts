// Comparisons and logic (bool output) and Where, with broadcasting and build-time evaluation
// (exporters guard Reshape targets with Where(Equal(shape, 0), ...)). Equal symbols compare as
// equal values.

import type { OpSpec } from '../op-spec.js';
import { BOOL, type SymElem } from '../sym-tensor.js';
import { broadcastInputs, evalBroadcast } from './broadcast.js';

export function compareSpec(fn: (a: number, b: number) => boolean): OpSpec {
  const cmp = ([a, b]: SymElem[]): SymElem => {
    if (typeof a === 'number' && typeof b === 'number') return fn(a, b) ? 1 : 0;
    if (a === b && a !== null) return fn(0, 0) ? 1 : 0;
    return null;
  };
  return {
    shape: (node, ctx) => [{ elemType: BOOL, shape: broadcastInputs(node, ctx, [0, 1]) }],
    evaluate: (_node, ctx, outs) => [evalBroadcast(ctx, [0, 1], outs[0]!.shape!, BOOL, cmp)],
  };
}

/** Where(cond, x, y): three-way broadcast, element type of x. */
export const whereSpec: OpSpec = {
  shape: (node, ctx) => [{ elemType: ctx.elemType(1), shape: broadcastInputs(node, ctx, [0, 1, 2]) }],
  evaluate(_node, ctx, outs) {
    const pick = ([c, x, y]: SymElem[]): SymElem => (typeof c === 'number' ? (c ? x! : y!) : null);
    return [evalBroadcast(ctx, [0, 1, 2], outs[0]!.shape!, outs[0]!.elemType, pick)];
  },
};
