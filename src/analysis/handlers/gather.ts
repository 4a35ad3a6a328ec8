// Gather with constant indices: along the channel axis output i is input channel indices[i] (a
// scalar index reads one channel, which must stay); along another axis channels pass through.

import { Tensor } from '../../ir/tensor.js';
import { describeNode } from '../../util/errors.js';
import type { ChannelHandler } from '../handler.js';
import { normAxis, rankBelow } from './axes.js';

export const gatherHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    if (!x) return;
    const rank = ctx.shape(node.input(0))?.length;
    if (rank === undefined) return ctx.unknown(node, 'has an input of unknown rank');
    const axis = normAxis(node.attrInt('axis', 0), rank);
    const idx = ctx.constant(node.input(1));
    const idxRank = idx?.dims.length ?? ctx.shape(node.input(1))?.length;
    if (axis !== x.axis) {
      if (idxRank === undefined) return ctx.unknown(node, 'has indices of unknown rank');
      return void ctx.follow(node.output(0), x, x.axis < axis ? x.axis : x.axis + idxRank - 1);
    }
    if (!idx || idx.dims.length > 1)
      return ctx.unknown(node, 'picks channels with indices pare cannot follow');
    const picks = idx.toNumbers().map((i) => normAxis(i, x.size));
    if (idx.dims.length === 0) {
      ctx.block(x, `${describeNode(node)} reads channel ${picks[0]} alone`, picks[0], picks[0]! + 1);
      return;
    }
    const y = ctx.define(node.output(0), axis, picks.length);
    for (let i = 0; i < picks.length; i++) ctx.tie(x, picks[i]!, y, i);
  },

  prune(node, ctx) {
    const x = ctx.slotOf(node.input(0));
    const keepIn = ctx.keep(node.input(0));
    if (!x || !keepIn) return;
    const rank = ctx.shape(node.input(0))!.length;
    if (normAxis(node.attrInt('axis', 0), rank) !== x.axis) return;
    const idx = ctx.constant(node.input(1))!;
    const keepOut = ctx.keep(node.output(0));
    const picks = idx.toNumbers().map((i) => normAxis(i, x.size));
    const kept = keepOut ? Array.from(keepOut, (i) => picks[i]!) : picks;
    const ranks = kept.map((p) => rankBelow(keepIn, p));
    ctx.setConstant(node, 1, Tensor.int64(idx.dims.length === 0 ? [] : [ranks.length], ranks));
  },
};
