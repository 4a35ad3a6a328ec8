// MaxPool / AveragePool / LpPool: channels kept, spatial dims by window (ceil_mode, auto_pad,
// dilations); MaxPool's optional Indices output is int64 of the same shape.

import type { OpSpec } from '../op-spec.js';
import { INT64 } from '../sym-tensor.js';
import { windowOutput } from './spatial.js';

export const poolSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    if (x.length < 3)
      return ctx.fail(`expected rank ≥ 3 ([N, C, spatial...]), got ${x.length}`, { input: 0 });
    const kernel = node.attrInts('kernel_shape');
    if (!kernel) return ctx.fail('attribute kernel_shape is required');
    const spatial = windowOutput(node, ctx, x.slice(2), { kernel, ceil: node.attrInt('ceil_mode', 0) === 1 });
    const shape = [x[0]!, x[1]!, ...spatial];
    const out = [{ elemType: ctx.elemType(0), shape }];
    if (node.outputs.length > 1) out.push({ elemType: INT64, shape });
    return out;
  },
};

/** GlobalAveragePool / GlobalMaxPool / GlobalLpPool: every spatial dim becomes 1. */
export const globalPoolSpec: OpSpec = {
  shape(_node, ctx) {
    const x = ctx.shape(0);
    if (x.length < 3)
      return ctx.fail(`expected rank ≥ 3 ([N, C, spatial...]), got ${x.length}`, { input: 0 });
    return [{ elemType: ctx.elemType(0), shape: [x[0]!, x[1]!, ...x.slice(2).map(() => 1)] }];
  },
};
