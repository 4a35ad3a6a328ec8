// Flatten at `axis` (negative from opset 11): [d0..d(a-1)] and [da..] each multiplied into one dim;
// a lone symbol survives (['N', 3, 4, 4] at 1 → ['N', 48]).

import { dimProductSym, normAxis } from '../dims.js';
import type { OpSpec } from '../op-spec.js';

export const flattenSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    const raw = node.attrInt('axis', 1);
    const axis = raw === x.length ? x.length : normAxis(raw, x.length);
    if (axis === undefined) return ctx.fail(`axis ${raw} is out of range for rank ${x.length}`);
    return [
      { elemType: ctx.elemType(0), shape: [dimProductSym(x.slice(0, axis)), dimProductSym(x.slice(axis))] },
    ];
  },
  evaluate(_node, ctx, outs) {
    const x = ctx.data(0);
    const shape = outs[0]!.shape!;
    if (!x || shape.some((d) => typeof d !== 'number')) return undefined;
    return [{ ...x, dims: shape as number[] }];
  },
};
