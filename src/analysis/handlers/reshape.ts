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
import { matchShuffle } from './shuffle.js';

export const reshapeHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    if (!x) return;
    const [input, output] = shapes(node, ctx, x.axis, x.size);
    if (!input || !output) return ctx.unknown(node, 'has shapes pare does not know');
    const shuffle = x.axis === 1 ? matchShuffle(ctx.graph, node, (v) => ctx.shape(v)) : undefined;
    if (shuffle) return linkShuffle(node, ctx, shuffle.tail, shuffle.transpose, shuffle.groups, input);
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
    const shuffle = matchShuffle(ctx.graph, node, (v) => ctx.shape(v));
    if (shuffle) {
      const mid = ctx.shape(node.output(0))!;
      ctx.setConstant(node, 1, target([batch(mid), shuffle.groups, -1, mid[3]!, mid[4]!]));
      ctx.setConstant(shuffle.tail, 1, target([batch(mid), -1, mid[3]!, mid[4]!]));
      return;
    }
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

function linkShuffle(
  head: Node,
  ctx: LinkContext,
  tail: Node,
  transpose: Node,
  g: number,
  input: readonly Dim[],
) {
  const x = ctx.slot(head.input(0))!;
  ctx.claim(transpose, head);
  ctx.claim(tail, head);
  const m = x.size / g;
  const y = ctx.define(tail.output(0), 1, x.size);
  for (let a = 0; a < g; a++)
    for (let b = 0; b < m; b++) {
      ctx.tie(x, a * m + b, y, b * g + a);
      ctx.tie(x, a * m + b, x, b);
    }
  if (typeof input[2] !== 'number' || typeof input[3] !== 'number')
    ctx.block(y, `channel shuffle at ${describeNode(head)} has dynamic spatial dims pare cannot rewrite`);
}

function batch(mid: readonly Dim[]): number {
  return typeof mid[0] === 'number' ? mid[0] : 0;
}

function target(dims: readonly Dim[]): Tensor {
  return Tensor.int64([dims.length], dims as number[]);
}

function formatDims(dims: readonly Dim[]): string {
  return `[${dims.map((d) => d ?? '?').join(', ')}]`;
}
