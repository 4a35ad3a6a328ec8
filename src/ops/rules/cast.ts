// Cast (attribute 'to') and CastLike (type of input 1): same shape, new element type; evaluated.

import type { OpSpec } from '../op-spec.js';
import { castElem } from '../sym-tensor.js';

export function castSpec(like: boolean): OpSpec {
  return {
    shape(node, ctx) {
      const to = like ? ctx.elemType(1) : node.attrInt('to');
      if (to === undefined) return ctx.fail("attribute 'to' is required");
      return [{ elemType: to, shape: ctx.shape(0) }];
    },
    evaluate(_node, ctx, outs) {
      const x = ctx.data(0);
      if (!x) return undefined;
      const t = outs[0]!.elemType;
      return [{ elemType: t, dims: x.dims, data: x.data.map((v) => castElem(v, t)) }];
    },
  };
}
