// Ops that keep every channel where it is: activations, casts, Dropout, pooling. Spatial ops
// (pooling) also need the channels on axis 1, which is where they work from.

import type { ChannelHandler } from '../handler.js';

export function passThrough(options: { spatial?: boolean; sameShapeOutputs?: boolean } = {}): ChannelHandler {
  return {
    link(node, ctx) {
      const x = ctx.slot(node.input(0));
      if (!x) return;
      if (options.spatial && x.axis !== 1)
        return ctx.unknown(node, `works on NCHW tensors, but the channels are on axis ${x.axis}`);
      const extra = node.outputs.slice(1).filter((o) => o.uses.length > 0 || ctx.graph.outputs.includes(o));
      if (extra.length > 0 && !options.sameShapeOutputs)
        return ctx.unknown(node, `output '${extra[0]!.name}' depends on the channel count`);
      ctx.follow(node.output(0), x);
      for (const o of extra) ctx.follow(o, x);
    },
  };
}
