// Per-channel normalisation (BatchNormalization, InstanceNormalization): channels pass through, the
// 1-D parameters are `param` members sliced with them.

import type { ChannelHandler } from '../handler.js';

export function perChannelNorm(params: readonly number[]): ChannelHandler {
  return {
    link(node, ctx) {
      const x = ctx.slot(node.input(0));
      if (!x) return;
      if (x.axis !== 1) return ctx.unknown(node, `normalises axis 1, but the channels are on axis ${x.axis}`);
      for (const i of params) {
        const t = ctx.constant(node.input(i));
        if (t?.dims.length !== 1 || t.dims[0] !== x.size)
          return ctx.unknown(node, `input ${i} is not a constant with ${x.size} entries`);
      }
      if (node.outputs.slice(1).some((o) => o.uses.length > 0 || ctx.graph.outputs.includes(o)))
        return ctx.unknown(node, 'is in training mode (running statistics are used)');
      const y = ctx.follow(node.output(0), x);
      ctx.member(
        y,
        'param',
        node,
        params.map((input) => ({ input, axis: 0 })),
      );
    },

    prune(node, ctx) {
      const keep = ctx.keep(node.output(0));
      for (const i of params) ctx.slice(node, i, 0, keep);
    },
  };
}
