// Flatten (axis 1) and Reshape to [N, -1]: the activation reordered to plain [N, F, 1, 1] (the Gemm that
// follows runs as a 1×1 convolution), the gradient reordered back into the input's layout.

import type { Node } from '../../../ir/node.js';
import type { BuildContext, Layer, LowerContext } from './layer.js';

export function lowerFlatten(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  if (node.attrInt('axis', 1) !== 1) return `${ctx.where}: axis is not 1`;
  return flatten(x, node.output(0).name);
}

export function lowerReshape(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  const to = ctx.constant(node, 1) ?? [];
  if (to.length !== 2 || (to[0] !== 0 && to[0] !== -1) || to[1] !== -1)
    return `${ctx.where}: only a reshape to [N, -1] (shape [0, -1] or [-1, -1])`;
  return flatten(x, node.output(0).name);
}

function flatten(x: string, y: string): Layer {
  return {
    output: y,
    build(b: BuildContext) {
      const d = b.d;
      const xa = b.act(x);
      const xd = xa.t.dims;
      const f = xd.slice(1).reduce((a, v) => a * v, 1);
      const out = d.alloc([b.n, f, 1, 1]);
      const view = { data: out.data, dims: xd };
      b.define(y, out, xa.grad);
      b.forward(() => d.reorder(xa.t, view));
      if (xa.grad)
        b.backward(() => {
          const dx = b.target(x);
          d.reorder({ data: b.gradOf(y).data, dims: xd }, dx);
          b.contribute(x, dx);
        });
    },
  };
}
