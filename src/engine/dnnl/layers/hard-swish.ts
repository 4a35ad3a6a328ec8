// HardSwish x·clamp(x/6 + 1/2, 0, 1) as oneDNN's eltwise hardswish (the same function as ONNX's, whose
// alpha and beta are fixed at 1/6 and 1/2). Its slope, 0 below −3, x/3 + 1/2 up to 3, 1 above, is the
// ORT rule's except exactly at ±3.

import type { Node } from '../../../ir/node.js';
import type { BuildContext, Layer, LowerContext } from './layer.js';

export function lowerHardSwish(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  const y = node.output(0).name;
  return {
    output: y,
    build(b: BuildContext) {
      const d = b.d;
      const xa = b.act(x);
      const h = d.reluCreate({ dims: xa.t.dims, layout: xa.t, algorithm: 'hardswish' });
      b.record('eltwise', h, xa.grad ? ['fwd', 'bwd'] : ['fwd']);
      const out = d.alloc(xa.t);
      b.define(y, out, xa.grad);
      b.forward(() => d.reluForward(h, xa.t, out));
      if (xa.grad)
        b.backward(() => {
          const dx = b.target(x);
          d.reluBackward(h, b.gradOf(y), xa.t, dx);
          b.contribute(x, dx);
        });
    },
  };
}
