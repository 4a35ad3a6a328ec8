// MatMul with a constant 2-D right operand (a Linear layer as exporters write it): the last axis of
// the activation is reduced (`in`), the weight's columns are the outputs (`out`).

import { describeNode } from '../../util/errors.js';
import type { ChannelHandler } from '../handler.js';

export const matmulHandler: ChannelHandler = {
  link(node, ctx) {
    const w = ctx.constant(node.input(1));
    const x = ctx.slot(node.input(0));
    const xShape = ctx.shape(node.input(0));
    if (w?.dims.length !== 2 || !xShape || xShape.length < 2)
      return ctx.unknown(node, 'is not an activation times a constant matrix');
    const y = ctx.define(node.output(0), xShape.length - 1, w.dims[1]!);
    ctx.member(y, 'out', node, [{ input: 1, axis: 1 }]);
    if (!x) return;
    if (x.axis !== xShape.length - 1)
      return ctx.block(x, `${describeNode(node)} reduces over the last axis, not these`);
    ctx.member(x, 'in', node, [{ input: 1, axis: 0 }]);
  },

  prune(node, ctx) {
    ctx.slice(node, 1, 1, ctx.keep(node.output(0)));
    ctx.slice(node, 1, 0, ctx.keep(node.input(0)));
  },
};
