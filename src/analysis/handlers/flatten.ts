// Flatten: the channel axis merges with its neighbours; channel c owns a block of the flattened
// axis (H·W columns of the next Gemm for NCHW, every C-th column after an NHWC transpose).

import type { ChannelHandler } from '../handler.js';
import { normAxis } from './axes.js';
import { tieMerged } from './merge.js';

export const flattenHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    if (!x) return;
    const shape = ctx.shape(node.input(0));
    if (!shape) return ctx.unknown(node, 'has an input of unknown shape');
    const axis = normAxis(node.attrInt('axis', 1), shape.length);
    const [from, to, outAxis] = x.axis >= axis ? [axis, shape.length, 1] : [0, axis, 0];
    const dims = shape.map((d, i) => (i === x.axis ? x.size : d));
    for (let a = from; a < to; a++)
      if (typeof dims[a] !== 'number')
        return ctx.unknown(node, `merges the channels with a dynamic axis (${a})`);
    tieMerged(ctx, x, dims as number[], from, to, node.output(0), outAxis);
  },
};
