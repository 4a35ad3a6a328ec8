// Relu, and Clip with constant bounds (ReLU6), as oneDNN eltwise primitives (clip's gradient passes
// where lo < x ≤ hi, as the ORT graph's Clip gradient does).

import type { Node } from '../../../ir/node.js';
import type { BuildContext, Layer, LowerContext } from './layer.js';

export function lowerRelu(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  // In place when nothing else reads x (BN → ReLU, Add → ReLU): the backward then reads y, and every
  // producer's own backward needs its input, never its output, so x is free to overwrite.
  return eltwise(x, node.output(0).name, undefined, ctx.soleReader(x));
}

export function lowerClip(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  const bound = (i: number, attr: string, none: number): number | undefined => {
    if (!node.input(i)) return node.attrFloat(attr) ?? none;
    const t = ctx.constant(node, i);
    return t?.length === 1 ? t[0] : undefined;
  };
  const lo = bound(1, 'min', -3.4e38);
  const hi = bound(2, 'max', 3.4e38);
  if (lo === undefined || hi === undefined) return `${ctx.where}: bounds are not constant scalars`;
  return eltwise(x, node.output(0).name, [lo, hi], false);
}

function eltwise(x: string, y: string, clip: [number, number] | undefined, inPlace: boolean): Layer {
  return {
    output: y,
    build(b: BuildContext) {
      const d = b.d;
      const xa = b.act(x);
      const hr = d.reluCreate({
        dims: xa.t.dims,
        layout: xa.t,
        ...(clip ? { algorithm: 'clip' as const, alpha: clip[0], beta: clip[1] } : {}),
        ...(inPlace ? { useDst: true } : {}),
      });
      b.record('eltwise', hr, xa.grad ? ['fwd', 'bwd'] : ['fwd']);
      const out = inPlace ? xa.t : d.alloc(xa.t);
      b.define(y, out, xa.grad);
      b.forward(() => d.reluForward(hr, xa.t, out));
      if (xa.grad)
        b.backward(() => {
          const dx = b.target(x);
          d.reluBackward(hr, b.gradOf(y), inPlace ? out : xa.t, dx);
          b.contribute(x, dx);
        });
    },
  };
}
