// Sigmoid and HardSigmoid as oneDNN eltwise primitives. Sigmoid's backward reads y (dy·y·(1 − y), as the
// ORT rule), so the forward runs in place when nothing else reads x. HardSigmoid clamp(αx + β, 0, 1) is
// a linear step then clip_v2 on y: the gradient passes α·dy strictly inside (0 < y < 1), as the ORT rule.

import type { Node } from '../../../ir/node.js';
import type { BuildContext, Layer, LowerContext } from './layer.js';
import { eltwise } from './relu.js';

export function lowerSigmoid(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  // The backward reads y (dy·y·(1 − y)), so the forward runs in place when nothing else reads x.
  return eltwise(
    x,
    node.output(0).name,
    { algorithm: 'logistic' },
    { inPlace: ctx.soleReader(x), useDst: true },
  );
}

export function lowerHardSigmoid(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  const alpha = node.attrFloat('alpha', 0.2);
  const beta = node.attrFloat('beta', 0.5);
  const y = node.output(0).name;
  return {
    output: y,
    build(b: BuildContext) {
      const d = b.d;
      const xa = b.act(x);
      const dims = xa.t.dims;
      const lin = d.reluCreate({ dims, layout: xa.t, algorithm: 'linear', alpha, beta });
      const clip = d.reluCreate({
        dims,
        layout: xa.t,
        algorithm: 'clip_v2',
        alpha: 0,
        beta: 1,
        useDst: true,
      });
      b.record('eltwise', lin, xa.grad ? ['fwd', 'bwd'] : ['fwd']);
      b.record('eltwise', clip, xa.grad ? ['fwd', 'bwd'] : ['fwd']);
      const out = d.alloc(xa.t);
      const inside = xa.grad ? d.alloc(xa.t) : undefined;
      b.define(y, out, xa.grad);
      b.forward(() => {
        d.reluForward(lin, xa.t, out);
        d.reluForward(clip, out, out);
      });
      if (inside)
        b.backward(() => {
          d.reluBackward(clip, b.gradOf(y), out, inside);
          const dx = b.target(x);
          d.reluBackward(lin, inside, xa.t, dx);
          b.contribute(x, dx);
        });
    },
  };
}
