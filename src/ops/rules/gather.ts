// Gather along `axis`: data[:axis] + indices.shape + data[axis+1:]. Evaluated at build time
// (Shape → Gather(0) picks the batch dim out of a shape). A float table is a parameter (embedding).

import { normAxis } from '../dims.js';
import type { OpSpec } from '../op-spec.js';
import type { SymElem } from '../sym-tensor.js';
import { sizeOf, stridesOf, unravel } from './tensor-index.js';

export const gatherSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    const idx = ctx.shape(1);
    const axis = normAxis(node.attrInt('axis', 0), x.length);
    if (axis === undefined)
      return ctx.fail(`axis ${node.attrInt('axis')} is out of range for rank ${x.length}`);
    return [{ elemType: ctx.elemType(0), shape: [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)] }];
  },
  evaluate(node, ctx, outs) {
    const x = ctx.data(0);
    const indices = ctx.ints(1);
    const shape = outs[0]!.shape!;
    if (!x || !indices || shape.some((d) => typeof d !== 'number')) return undefined;
    const axis = normAxis(node.attrInt('axis', 0), x.dims.length)!;
    const q = ctx.shape(1).length;
    const n = x.dims[axis]!;
    const dims = shape as number[];
    const strides = stridesOf(x.dims);
    const data: SymElem[] = [];
    for (let k = 0; k < sizeOf(dims); k++) {
      const o = unravel(k, dims);
      const flatIdx = o.slice(axis, axis + q).reduce((f, j, a) => f * (dims[axis + a] ?? 1) + j, 0);
      let i = indices[flatIdx]!;
      if (i < 0) i += n;
      if (i < 0 || i >= n)
        return ctx.fail(`index ${indices[flatIdx]} is out of range for axis ${axis} of size ${n}`, {
          input: 1,
        });
      const src = [...o.slice(0, axis), i, ...o.slice(axis + q)];
      data.push(x.data[src.reduce((f, j, a) => f + j * strides[a]!, 0)]!);
    }
    return [{ elemType: outs[0]!.elemType, dims, data }];
  },
  paramInputs: [0],
  paramMinSize: 2,
};
