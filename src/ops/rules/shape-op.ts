// Shape (with start/end from opset 15) and Size: int64 data known at build time, with symbolic
// dims carried as symbols so Reshape targets computed from them keep the batch name.

import { dimProductSym } from '../dims.js';
import type { OpSpec } from '../op-spec.js';
import { INT64 } from '../sym-tensor.js';

function range(rank: number, start: number, end: number): [number, number] {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  return [clamp(start), clamp(end)];
}

export const shapeSpec: OpSpec = {
  shape(node, ctx) {
    const rank = ctx.shape(0).length;
    const [s, e] = range(rank, node.attrInt('start', 0), node.attrInt('end', rank));
    return [{ elemType: INT64, shape: [Math.max(0, e - s)] }];
  },
  evaluate(node, ctx) {
    const x = ctx.shape(0);
    const [s, e] = range(x.length, node.attrInt('start', 0), node.attrInt('end', x.length));
    const data = x.slice(s, e);
    return [{ elemType: INT64, dims: [data.length], data }];
  },
};

export const sizeSpec: OpSpec = {
  shape: () => [{ elemType: INT64, shape: [] }],
  evaluate: (_node, ctx) => [{ elemType: INT64, dims: [], data: [dimProductSym(ctx.shape(0))] }],
};
