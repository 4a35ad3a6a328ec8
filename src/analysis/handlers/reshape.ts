// Reshape: channels pass through when their axis survives alone, merge into a block map when the
// axis is merged (flatten written as Reshape, also via Shape→Gather→Concat chains), and follow the
// channel-shuffle pattern. Surgery writes a constant target with -1 on the channel axis.

import type { Node } from '../../ir/node.js';
import { Tensor } from '../../ir/tensor.js';
import type { Dim } from '../../ir/value.js';
import { describeNode } from '../../util/errors.js';
import type { ChannelHandler, LinkContext, PruneContext } from '../handler.js';
import { tieMerged } from './merge.js';
import { alignDims, rewrittenTarget } from './reshape-map.js';
import { linkShuffle, matchShuffle, pruneShuffle } from './shuffle.js';

export const reshapeHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    if (!x) return;
    const [input, output] = shapes(node, ctx, x.axis, x.size);
    if (!input || !output) return ctx.unknown(node, 'has shapes pare does not know');
    const shuffle = x.axis === 1 ? matchShuffle(ctx.graph, node, (v) => ctx.shape(v)) : undefined;
    if (shuffle) return linkShuffle(node, ctx, shuffle);
    const map = channelMap(input, output, x.axis);
    if (typeof map === 'string') return ctx.unknown(node, map);
    const allowZero = node.attrInt('allowzero', 0) === 1;
    tieMerged(ctx, x, input as number[], map.inFrom, map.inTo, node.output(0), map.outAxis);
    if (!rewrittenTarget(input, output, map.outAxis, allowZero))
      ctx.block(ctx.slot(node.output(0))!, `${describeNode(node)} has a target pare cannot rewrite`);
  },

  prune(node, ctx) {
    const x = ctx.slotOf(node.input(0));
    if (!x || (!ctx.keep(node.input(0)) && !ctx.keep(node.output(0)))) return;
    const [input, output] = shapes(node, ctx, x.axis, x.size);
    const shuffle = x.axis === 1 ? matchShuffle(ctx.graph, node, (v) => ctx.shape(v)) : undefined;
    if (shuffle) return pruneShuffle(node, ctx, shuffle);
    const map = channelMap(input!, output!, x.axis) as ChannelMap;
    const t = rewrittenTarget(input!, output!, map.outAxis, node.attrInt('allowzero', 0) === 1)!;
    ctx.setConstant(node, 1, Tensor.int64([t.length], t));
  },
};

interface ChannelMap {
  readonly inFrom: number;
  readonly inTo: number;
  readonly outAxis: number;
}

function shapes(node: Node, ctx: LinkContext | PruneContext, axis: number, size: number) {
  const input = ctx.shape(node.input(0))?.map((d, i) => (i === axis ? size : d));
  return [input, ctx.shape(node.output(0))] as const;
}

/** Where the channel axis goes, or why pare cannot follow it. */
function channelMap(input: readonly Dim[], output: readonly Dim[], axis: number): ChannelMap | string {
  const run = alignDims(input, output)?.find((r) => r.inFrom <= axis && axis < r.inTo);
  if (!run)
    return `mixes the channel axis with a dynamic axis (${formatDims(input)} → ${formatDims(output)})`;
  const outAxes: number[] = [];
  for (let k = run.outFrom; k < run.outTo; k++) if (output[k] !== 1) outAxes.push(k);
  if (outAxes.length > 1) return `splits the channel axis (${formatDims(input)} → ${formatDims(output)})`;
  return { inFrom: run.inFrom, inTo: run.inTo, outAxis: outAxes[0] ?? run.outFrom };
}

function formatDims(dims: readonly Dim[]): string {
  return `[${dims.map((d) => d ?? '?').join(', ')}]`;
}
