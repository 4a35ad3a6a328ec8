// Mul of two computed activations: the same shape, or one of them [N, C, 1, 1] broadcast over H, W
// (squeeze-and-excitation: x · sigmoid(fc(GAP(x)))). oneDNN binary mul forward and for the full-size
// gradients; the broadcast operand's gradient Σ_hw dy·x is a binary mul, a global average pool and a
// host scale by H·W on the [N, C] result (oneDNN 2.6's reduction runs its reference kernel on blocked
// layouts; its pooling is JIT).

import type { Node } from '../../../ir/node.js';
import { type BuildContext, chw, type Layer, type LowerContext } from './layer.js';

export function lowerMul(node: Node, ctx: LowerContext): Layer | string {
  let a = ctx.act(node, 0);
  let s = ctx.act(node, 1);
  if (!a || !s) return `${ctx.where}: only the product of two computed activations`;
  if (a === s) return `${ctx.where}: the square of one value`;
  let sa = ctx.shape(a);
  let ss = ctx.shape(s);
  if (sa?.length === 3 && ss?.length === 3 && sa[1] === 1 && sa[2] === 1 && ss[1]! * ss[2]! > 1) {
    [a, s] = [s, a];
    [sa, ss] = [ss, sa];
  }
  const broadcast = ss?.length === 3 && ss[1] === 1 && ss[2] === 1 && sa?.length === 3 && sa[0] === ss[0];
  if (!sa || !ss || (!broadcast && sa.join() !== ss.join()))
    return `${ctx.where}: broadcasting [N, ${sa?.join(', ')}] · [N, ${ss?.join(', ')}] (same shape or [N, C, 1, 1] only)`;
  const y = node.output(0).name;
  const big = a;
  const small = s;
  return {
    output: y,
    build(b: BuildContext) {
      const d = b.d;
      const xa = b.act(big);
      const xs = b.act(small);
      const dims = xa.t.dims;
      const h = d.binaryCreate({ dims, bDims: xs.t.dims, algorithm: 'mul', layout: xa.t, bLayout: xs.t });
      b.record('binary', h, ['fwd']);
      const out = d.alloc(xa.t);
      b.define(y, out, xa.grad || xs.grad);
      b.forward(() => d.binary(h, xa.t, xs.t, out));
      // dy · the other operand, in the big operand's layout
      const prod = xs.grad ? d.binaryCreate({ dims, algorithm: 'mul', layout: xa.t, bLayout: xa.t }) : null;
      if (prod) b.record('binary', prod, ['fwd']);
      const [c, hh, ww] = chw(xa.t);
      const gap =
        xs.grad && broadcast
          ? d.poolCreate({ n: b.n, c, h: hh, w: ww, kernel: [hh, ww], mode: 'avg', layout: xa.t })
          : null;
      if (gap) b.record('pool', gap, ['fwd']);
      const tmp = gap ? d.alloc(xa.t) : null;
      b.backward(() => {
        const dy = b.gradOf(y);
        if (xa.grad) {
          const da = b.target(big);
          d.binary(h, dy, xs.t, da);
          b.contribute(big, da);
        }
        if (!prod) return;
        const ds = b.target(small);
        if (!gap || !tmp) {
          d.binary(prod, dy, xa.t, ds);
        } else {
          d.binary(prod, dy, xa.t, tmp);
          d.poolForward(gap, tmp, ds);
          const k = hh * ww;
          for (let i = 0; i < ds.data.length; i++) ds.data[i]! *= k;
        }
        b.contribute(small, ds);
      });
    },
  };
}
