// Reduce* ops: axes as attribute, or as input 1 (ReduceSum from opset 13, the others from 18);
// keepdims (default 1); noop_with_empty_axes. ArgMax/ArgMin: one axis, int64 output.

import { type Dim, normAxis } from '../dims.js';
import type { OpSpec } from '../op-spec.js';
import { INT64 } from '../sym-tensor.js';
import { axesOf } from './squeeze.js';

export function reduceSpec(axesInputSince: number): OpSpec {
  return {
    shape(node, ctx) {
      const x = ctx.shape(0);
      const keep = node.attrInt('keepdims', 1) === 1;
      const axes = axesOf(node, ctx, axesInputSince);
      if (axes === null) {
        return [{ elemType: ctx.elemType(0), shape: keep ? x.map(() => null) : undefined }];
      }
      let reduced: number[];
      if (!axes || axes.length === 0) {
        if (node.attrInt('noop_with_empty_axes', 0) === 1) return [{ elemType: ctx.elemType(0), shape: x }];
        reduced = x.map((_, i) => i);
      } else {
        reduced = axes.map(
          (a) => normAxis(a, x.length) ?? ctx.fail(`axis ${a} is out of range for rank ${x.length}`),
        );
      }
      const out: Dim[] = [];
      x.forEach((d, i) => {
        if (!reduced.includes(i)) out.push(d);
        else if (keep) out.push(1);
      });
      return [{ elemType: ctx.elemType(0), shape: out }];
    },
  };
}

export const argReduceSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    const axis = normAxis(node.attrInt('axis', 0), x.length);
    if (axis === undefined)
      return ctx.fail(`axis ${node.attrInt('axis')} is out of range for rank ${x.length}`);
    const keep = node.attrInt('keepdims', 1) === 1;
    const out = x.flatMap((d, i) => (i !== axis ? [d] : keep ? [1] : []));
    return [{ elemType: INT64, shape: out }];
  },
};
