// Shape: reading a tensor's shape is harmless unless the channel count flows somewhere. Into a
// Reshape target it is fine when that Reshape's output carries the same channels (a PyTorch
// `view(b, c, 1, 1)` in an SE block: surgery rewrites the target); anywhere else it blocks.

import type { Node } from '../../ir/node.js';
import { describeNode } from '../../util/errors.js';
import type { ChannelHandler } from '../handler.js';
import { normAxis } from './axes.js';
import { trace } from './shape-flow.js';

export const shapeHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    const rank = ctx.shape(node.input(0))?.length;
    if (!x || rank === undefined) return;
    const clamp = (a: number) => Math.min(Math.max(normAxis(a, rank), 0), rank);
    const start = clamp(node.attrInt('start', 0));
    const end = clamp(node.attrInt('end', rank));
    if (x.axis < start || x.axis >= end) return;
    const reshapes: Node[] = [];
    const other = trace(ctx, node.output(0), new Set([x.axis - start]), reshapes, 0);
    const what = `${describeNode(node)} reads the channel count of '${x.value.name}'`;
    if (other) ctx.block(x, `${what} and ${describeNode(other)} uses it`);
    for (const r of reshapes)
      ctx.sameChannels(x, r.output(0), `${what} for the target of ${describeNode(r)}`);
  },
};
