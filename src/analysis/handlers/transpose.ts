// Transpose: channels move to the axis the permutation sends them to.

import type { ChannelHandler } from '../handler.js';

export const transposeHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    if (!x) return;
    const rank = ctx.shape(node.input(0))?.length;
    const perm =
      node.attrInts('perm') ?? (rank === undefined ? undefined : [...Array(rank).keys()].reverse());
    if (!perm) return ctx.unknown(node, 'has no perm and an input of unknown rank');
    ctx.follow(node.output(0), x, perm.indexOf(x.axis));
  },
};
