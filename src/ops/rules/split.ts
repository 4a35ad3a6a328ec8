// Split along `axis`: sizes from the 'split' attribute (< opset 13) or input 1 (≥ 13), else equal
// parts (num_outputs from opset 18, last part smaller when uneven).

import type { Dim } from '../dims.js';
import { normAxis } from '../dims.js';
import type { OpSpec } from '../op-spec.js';

export const splitSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    const axis = normAxis(node.attrInt('axis', 0), x.length);
    if (axis === undefined)
      return ctx.fail(`axis ${node.attrInt('axis')} is out of range for rank ${x.length}`);
    const n = node.outputs.length;
    const total = x[axis]!;
    let sizes: Dim[] | undefined = ctx.opset < 13 ? node.attrInts('split')?.slice() : undefined;
    if (ctx.opset >= 13 && ctx.has(1)) {
      sizes = ctx.ints(1) ?? new Array<Dim>(n).fill(null);
    }
    if (sizes) {
      if (sizes.length !== n) return ctx.fail(`split has ${sizes.length} sizes for ${n} outputs`);
      const sum = sizes.reduce<Dim>(
        (a, b) => (typeof a === 'number' && typeof b === 'number' ? a + b : null),
        0,
      );
      if (typeof sum === 'number' && typeof total === 'number' && sum !== total) {
        ctx.fail(`split sizes [${sizes.join(', ')}] sum to ${sum}, axis ${axis} has ${total}`);
      }
    } else if (typeof total === 'number') {
      const part = Math.ceil(total / n);
      sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(part, total - part * i)));
      if (ctx.opset < 18 && total % n !== 0)
        return ctx.fail(`axis ${axis} (${total}) does not split evenly into ${n} outputs`);
    } else {
      sizes = new Array<Dim>(n).fill(null);
    }
    return sizes.map((s) => ({ elemType: ctx.elemType(0), shape: x.map((d, i) => (i === axis ? s : d)) }));
  },
};
