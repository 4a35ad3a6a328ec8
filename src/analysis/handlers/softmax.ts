// Softmax / LogSoftmax / Hardmax: normalising across the channel axis mixes channels; over another
// axis channels pass through. Before opset 13 the op flattens from `axis` on (default 1).

import type { ChannelHandler } from '../handler.js';
import { normAxis } from './axes.js';

export const softmaxHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    if (!x) return;
    const rank = ctx.shape(node.input(0))?.length;
    if (rank === undefined) return ctx.unknown(node, 'has an input of unknown rank');
    const modern = ctx.opset >= 13;
    const axis = normAxis(node.attrInt('axis', modern ? -1 : 1), rank);
    if (modern ? axis === x.axis : x.axis >= axis) return ctx.unknown(node, 'normalises across channels');
    ctx.follow(node.output(0), x);
  },
};
