// Add of two computed activations of the same shape (residual connections); no broadcasting. The
// gradient passes to both inputs unchanged (borrowed, not copied: grads.ts sums where they fan out).

import type { Node } from '../../../ir/node.js';
import type { BuildContext, Layer, LowerContext } from './layer.js';

export function lowerAdd(node: Node, ctx: LowerContext): Layer | string {
  const a = ctx.act(node, 0);
  const b = ctx.act(node, 1);
  if (!a || !b) return `${ctx.where}: only the sum of two computed activations`;
  const sa = ctx.shape(a);
  const sb = ctx.shape(b);
  if (!sa || !sb || sa.join() !== sb.join())
    return `${ctx.where}: broadcasting [N, ${sa?.join(', ')}] + [N, ${sb?.join(', ')}]`;
  const y = node.output(0).name;
  return {
    output: y,
    build(bc: BuildContext) {
      const d = bc.d;
      const xa = bc.act(a);
      const xb = bc.act(b);
      const ha = d.addCreate({ dims: xa.t.dims, layout: xa.t });
      bc.record('add', ha, ['fwd']);
      const out = d.alloc(xa.t);
      bc.define(y, out, xa.grad || xb.grad);
      bc.forward(() => d.add(ha, xa.t, xb.t, out));
      bc.backward(() => {
        const dy = bc.gradOf(y);
        if (xa.grad) bc.contribute(a, dy);
        if (xb.grad) bc.contribute(b, dy);
      });
    },
  };
}
