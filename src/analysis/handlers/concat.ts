// Concat: along the channel axis, input k's channels land at an offset (Concat does not couple its
// inputs); along another axis every input carries the same channels, so they are tied.

import type { Node } from '../../ir/node.js';
import { describeNode } from '../../util/errors.js';
import type { ChannelHandler, LinkContext, Slot } from '../handler.js';
import { normAxis } from './axes.js';

export const concatHandler: ChannelHandler = {
  link(node, ctx) {
    const inputs = node.inputs.filter((v) => v !== null);
    const first = inputs.map((v) => ctx.slot(v)).find((s) => s !== undefined);
    if (!first) return;
    const rank = ctx.shape(first.value)?.length;
    if (rank === undefined) return ctx.unknown(node, 'has inputs of unknown rank');
    const axis = normAxis(node.attrInt('axis', 0), rank);
    if (inputs.some((v) => ctx.slot(v) && ctx.slot(v)!.axis !== first.axis))
      return ctx.unknown(node, 'joins inputs whose channels are on different axes');
    if (axis !== first.axis) return linkAcross(node, ctx, first);
    const sizes = inputs.map((v) => ctx.slot(v)?.size ?? ctx.shape(v)?.[axis]);
    if (sizes.some((d) => typeof d !== 'number')) return ctx.unknown(node, 'has an input of unknown size');
    const y = ctx.define(
      node.output(0),
      axis,
      (sizes as number[]).reduce((a, b) => a + b, 0),
    );
    let offset = 0;
    inputs.forEach((v, k) => {
      const s = ctx.slot(v);
      const n = sizes[k] as number;
      if (s) for (let i = 0; i < n; i++) ctx.tie(s, i, y, offset + i);
      else ctx.block(y, `${describeNode(node)} input ${k} ('${v.name}') is not tracked`, offset, offset + n);
      offset += n;
    });
  },
};

/** Concatenation along another axis: every input holds all channels, position for position. */
function linkAcross(node: Node, ctx: LinkContext, first: Slot): void {
  const y = ctx.define(node.output(0), first.axis, first.size);
  node.inputs.forEach((v, k) => {
    if (!v) return;
    const s = ctx.slot(v);
    if (s && s.size === first.size) for (let i = 0; i < s.size; i++) ctx.tie(s, i, y, i);
    else ctx.block(y, `${describeNode(node)} input ${k} ('${v.name}') carries channels pare does not track`);
  });
}
