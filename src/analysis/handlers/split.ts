// Split along the channel axis: output k takes the channels at its offset; surgery rewrites the
// split sizes (input 1 from opset 13, the `split` attribute before).

import { attr } from '../../ir/attribute.js';
import type { Node } from '../../ir/node.js';
import { Tensor } from '../../ir/tensor.js';
import type { ChannelHandler, LinkContext, PruneContext } from '../handler.js';
import { intsArg, normAxis } from './axes.js';

export const splitHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    if (!x) return;
    const rank = ctx.shape(node.input(0))?.length;
    if (rank === undefined) return ctx.unknown(node, 'has an input of unknown rank');
    if (normAxis(node.attrInt('axis', 0), rank) !== x.axis) {
      for (const o of node.outputs) ctx.follow(o, x);
      return;
    }
    const sizes = splitSizes(node, ctx, x.size);
    if (!sizes) return ctx.unknown(node, 'has split sizes that are not constant');
    let offset = 0;
    node.outputs.forEach((o, k) => {
      const y = ctx.define(o, x.axis, sizes[k]!);
      for (let i = 0; i < sizes[k]!; i++) ctx.tie(x, offset + i, y, i);
      offset += sizes[k]!;
    });
  },

  prune(node, ctx) {
    const x = ctx.slotOf(node.input(0));
    if (!x || !node.outputs.some((o) => ctx.keep(o))) return;
    const rank = ctx.shape(node.input(0))!.length;
    if (normAxis(node.attrInt('axis', 0), rank) !== x.axis) return;
    const sizes = node.outputs.map((o) => ctx.keep(o)?.length ?? ctx.slotOf(o)!.size);
    if (ctx.graph.opset >= 13) {
      node.attributes.delete('num_outputs');
      ctx.setConstant(node, 1, Tensor.int64([sizes.length], sizes));
    } else node.setAttr('split', attr('ints', sizes));
  },
};

function splitSizes(node: Node, ctx: LinkContext | PruneContext, size: number): number[] | undefined {
  const n = node.outputs.length;
  if (node.input(1) || node.attrInts('split')) return intsArg(node, ctx, 1, 'split');
  // num_outputs (opset 18): ceil-sized chunks, the last one smaller.
  const chunk = node.attr('num_outputs') ? Math.ceil(size / n) : size / n;
  return Array.from({ length: n }, (_, k) => Math.min(chunk, size - k * chunk));
}
