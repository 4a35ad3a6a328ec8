// Slice on the channel axis (step 1): output channel i is input channel start + i; channels outside
// the range belong to the producer alone. Surgery moves start/end to the kept channels' ranks.

import { attr } from '../../ir/attribute.js';
import type { Node } from '../../ir/node.js';
import { Tensor } from '../../ir/tensor.js';
import type { ChannelHandler, LinkContext, PruneContext } from '../handler.js';
import { intsArg, normAxis, rankBelow } from './axes.js';

interface ChannelRange {
  /** Index into starts/ends/axes of the channel axis. */
  readonly at: number;
  readonly start: number;
  readonly length: number;
}

export const sliceHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    if (!x) return;
    const range = channelRange(node, ctx, x.axis, x.size);
    if (range === 'unknown') return ctx.unknown(node, 'has starts/ends/axes/steps that are not constant');
    if (range === 'stepped') return ctx.unknown(node, 'takes every n-th channel');
    if (!range) return void ctx.follow(node.output(0), x);
    if (range.length === 0) return ctx.unknown(node, 'takes no channel');
    const y = ctx.define(node.output(0), x.axis, range.length);
    for (let i = 0; i < range.length; i++) ctx.tie(x, range.start + i, y, i);
  },

  prune(node, ctx) {
    const x = ctx.slotOf(node.input(0));
    const keepIn = ctx.keep(node.input(0));
    if (!x || !keepIn) return;
    const range = channelRange(node, ctx, x.axis, x.size);
    if (!range || typeof range === 'string') return;
    const start = rankBelow(keepIn, range.start);
    const end = rankBelow(keepIn, range.start + range.length);
    const starts = intsArg(node, ctx, 1, 'starts')!;
    const ends = intsArg(node, ctx, 2, 'ends')!;
    starts[range.at] = start;
    ends[range.at] = end;
    if (ctx.graph.opset >= 10) {
      ctx.setConstant(node, 1, Tensor.int64([starts.length], starts));
      ctx.setConstant(node, 2, Tensor.int64([ends.length], ends));
    } else {
      node.setAttr('starts', attr('ints', starts));
      node.setAttr('ends', attr('ints', ends));
    }
  },
};

function channelRange(
  node: Node,
  ctx: LinkContext | PruneContext,
  axis: number,
  size: number,
): ChannelRange | 'unknown' | 'stepped' | undefined {
  const rank = ctx.shape(node.input(0))?.length;
  const starts = intsArg(node, ctx, 1, 'starts');
  const ends = intsArg(node, ctx, 2, 'ends');
  if (!starts || !ends || rank === undefined) return 'unknown';
  const axesGiven = intsArg(node, ctx, 3, 'axes');
  if (node.input(3) && !axesGiven) return 'unknown';
  const axes = (axesGiven ?? starts.map((_, i) => i)).map((a) => normAxis(a, rank));
  const at = axes.indexOf(axis);
  if (at < 0) return undefined;
  const steps = node.input(4) ? ctx.ints(node.input(4)) : undefined;
  if (node.input(4) && !steps) return 'unknown';
  if ((steps?.[at] ?? 1) !== 1) return 'stepped';
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const start = clamp(starts[at]!);
  return { at, start, length: Math.max(0, clamp(ends[at]!) - start) };
}
