// Pad: channels pass through as long as nothing is padded on the channel axis.

import type { ChannelHandler } from '../handler.js';
import { intsArg, normAxis } from './axes.js';

export const padHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    if (!x) return;
    const rank = ctx.shape(node.input(0))?.length;
    const pads = intsArg(node, ctx, 1, ctx.opset >= 11 ? 'pads' : 'paddings') ?? node.attrInts('pads');
    if (!pads || rank === undefined) return ctx.unknown(node, 'has pads that are not constant');
    const axesGiven = node.input(3) ? ctx.ints(node.input(3)) : undefined;
    if (node.input(3) && !axesGiven) return ctx.unknown(node, 'has axes that are not constant');
    const axes = (axesGiven ?? Array.from({ length: rank }, (_, i) => i)).map((a) => normAxis(a, rank));
    const at = axes.indexOf(x.axis);
    if (at >= 0 && (pads[at] !== 0 || pads[at + axes.length] !== 0))
      return ctx.unknown(node, 'pads the channel axis');
    ctx.follow(node.output(0), x);
  },
};
