// Gemm: Y = op(A)·op(B) + C with a constant B: B's output axis holds filters (`out`), its input axis
// the columns a consumer reduces over (`in`); after Flatten, channel c owns a block of columns.

import { describeNode } from '../../util/errors.js';
import type { WeightAxis } from '../channel-types.js';
import type { ChannelHandler } from '../handler.js';

export const gemmHandler: ChannelHandler = {
  link(node, ctx) {
    const b = ctx.constant(node.input(1));
    if (b?.dims.length !== 2) return ctx.unknown(node, 'has a B input that is not a constant matrix');
    const transB = node.attrInt('transB', 0) === 1;
    const n = b.dims[transB ? 0 : 1]!;
    const y = ctx.define(node.output(0), 1, n);
    const weights: WeightAxis[] = [{ input: 1, axis: transB ? 0 : 1 }];
    const c = node.input(2);
    const cShape = ctx.shape(c);
    if (c && cShape && cShape.length > 0 && cShape[cShape.length - 1] !== 1) {
      if (!ctx.constant(c)) ctx.block(y, `${describeNode(node)} has a bias C that is not a constant`);
      else weights.push({ input: 2, axis: cShape.length - 1 });
    } else if (c && !cShape) ctx.block(y, `${describeNode(node)} has a bias C of unknown shape`);
    ctx.member(y, 'out', node, weights);
    const x = ctx.slot(node.input(0));
    if (!x) return;
    const kAxis = node.attrInt('transA', 0) === 1 ? 0 : 1;
    if (x.axis !== kAxis) return ctx.block(x, `${describeNode(node)} reduces over axis ${kAxis}, not these`);
    ctx.member(x, 'in', node, [{ input: 1, axis: transB ? 1 : 0 }]);
  },

  prune(node, ctx) {
    const transB = node.attrInt('transB', 0) === 1;
    const keepOut = ctx.keep(node.output(0));
    ctx.slice(node, 1, transB ? 0 : 1, keepOut);
    ctx.slice(node, 1, transB ? 1 : 0, ctx.keep(node.input(0)));
    const cShape = ctx.shape(node.input(2));
    if (cShape && cShape.length > 0 && cShape[cShape.length - 1] !== 1)
      ctx.slice(node, 2, cShape.length - 1, keepOut);
  },
};
