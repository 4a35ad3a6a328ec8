// Reductions (ReduceMean, ReduceMax, ArgMax, ...): over spatial axes channels pass through (shifted
// when keepdims = 0); a reduction across the channel axis mixes channels and blocks them.

import type { ChannelHandler } from '../handler.js';
import { normAxis } from './axes.js';

/** `axesInputSince`: first opset where the axes are input 1 instead of an attribute. */
export function reduceHandler(axesInputSince: number): ChannelHandler {
  return {
    link(node, ctx) {
      const x = ctx.slot(node.input(0));
      if (!x) return;
      const rank = ctx.shape(node.input(0))?.length;
      if (rank === undefined) return ctx.unknown(node, 'has an input of unknown rank');
      let axes: number[] | undefined;
      if (node.opType === 'ArgMax' || node.opType === 'ArgMin') axes = [node.attrInt('axis', 0)];
      else if (ctx.opset >= axesInputSince && node.input(1)) {
        axes = ctx.ints(node.input(1));
        if (!axes) return ctx.unknown(node, 'has axes that are not constant');
      } else axes = node.attrInts('axes') ? [...node.attrInts('axes')!] : undefined;
      if (!axes || axes.length === 0) {
        if (node.attrInt('noop_with_empty_axes', 0) === 1) return void ctx.follow(node.output(0), x);
        axes = Array.from({ length: rank }, (_, i) => i);
      }
      const norm = axes.map((a) => normAxis(a, rank));
      if (norm.includes(x.axis)) return ctx.unknown(node, 'reduces across channels');
      const keep = node.attrInt('keepdims', 1) === 1;
      ctx.follow(node.output(0), x, keep ? x.axis : x.axis - norm.filter((a) => a < x.axis).length);
    },
  };
}
