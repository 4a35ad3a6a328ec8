// Resize / Upsample: channels pass through when the channel scale is 1; a `sizes` input names the
// channel count, which surgery rewrites.

import type { Node } from '../../ir/node.js';
import { Tensor } from '../../ir/tensor.js';
import type { ChannelHandler, LinkContext, PruneContext } from '../handler.js';
import { normAxis } from './axes.js';

export const resizeHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    if (!x) return;
    const at = channelIndex(node, ctx, x.axis);
    if (at === undefined) return ctx.unknown(node, 'has scales or sizes that are not constant');
    if (at >= 0) {
      const { scales, sizes } = factors(node, ctx);
      if (scales && scales.length > 0 && scales[at] !== 1)
        return ctx.unknown(node, 'scales the channel axis');
      if (sizes && sizes[at] !== x.size) return ctx.unknown(node, 'resizes the channel axis');
    }
    ctx.follow(node.output(0), x);
  },

  prune(node, ctx) {
    const x = ctx.slotOf(node.input(0));
    const keep = ctx.keep(node.input(0));
    const { sizes } = factors(node, ctx);
    if (!x || !keep || !sizes || node.opType !== 'Resize') return;
    const at = channelIndex(node, ctx, x.axis)!;
    if (at < 0) return;
    sizes[at] = keep.length;
    ctx.setConstant(node, 3, Tensor.int64([sizes.length], sizes));
  },
};

function factors(node: Node, ctx: LinkContext | PruneContext) {
  if (node.opType === 'Upsample') {
    const attr = node.attrFloats('scales');
    const scales = attr ? [...attr] : ctx.constant(node.input(1))?.toNumbers();
    return { scales, sizes: undefined };
  }
  const scales = ctx.constant(node.input(2))?.toNumbers();
  const sizes = node.input(3) ? ctx.ints(node.input(3)) : undefined;
  return { scales, sizes };
}

/** Index of the channel axis in scales/sizes (-1 when not listed); undefined when not constant. */
function channelIndex(node: Node, ctx: LinkContext | PruneContext, axis: number): number | undefined {
  const rank = ctx.shape(node.input(0))?.length;
  if (rank === undefined) return undefined;
  for (const i of node.opType === 'Upsample' ? [1] : [2, 3])
    if (node.input(i) && !ctx.constant(node.input(i))) return undefined;
  const axes = node.attrInts('axes');
  return axes ? axes.map((a) => normAxis(a, rank)).indexOf(axis) : axis;
}
