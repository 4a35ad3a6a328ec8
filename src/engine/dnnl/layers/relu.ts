// Relu, and Clip with constant bounds (ReLU6), as oneDNN eltwise primitives (clip's gradient passes
// where lo < x ≤ hi, as the ORT graph's Clip gradient does).

import type { Node } from '../../../ir/node.js';
import type { EltwiseAlgorithm } from '../../../runtime/dnnl.js';
import type { BuildContext, Layer, LowerContext } from './layer.js';

export function lowerRelu(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  // In place when nothing else reads x (BN → ReLU, Add → ReLU): the backward then reads y, and every
  // producer's own backward needs its input, never its output, so x is free to overwrite.
  const inPlace = ctx.soleReader(x);
  return eltwise(x, node.output(0).name, {}, { inPlace, useDst: inPlace });
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
  return eltwise(
    x,
    node.output(0).name,
    { algorithm: 'clip', alpha: lo, beta: hi },
    { inPlace: false, useDst: false },
  );
}

/**
 * One oneDNN eltwise primitive from x to y (default algorithm: relu). `useDst`: the backward reads y
 * (relu, logistic, clip_v2 can); `inPlace`: y overwrites x (only when nothing else reads x).
 */
export function eltwise(
  x: string,
  y: string,
  op: { readonly algorithm?: EltwiseAlgorithm; readonly alpha?: number; readonly beta?: number },
  o: { readonly inPlace: boolean; readonly useDst: boolean },
): Layer {
  return {
    output: y,
    build(b: BuildContext) {
      const d = b.d;
      const xa = b.act(x);
      const hr = d.reluCreate({
        dims: xa.t.dims,
        layout: xa.t,
        ...op,
        ...(o.useDst ? { useDst: true } : {}),
      });
      b.record('eltwise', hr, xa.grad ? ['fwd', 'bwd'] : ['fwd']);
      const out = o.inPlace ? xa.t : d.alloc(xa.t);
      b.define(y, out, xa.grad);
      b.forward(() => d.reluForward(hr, xa.t, out));
      if (xa.grad)
        b.backward(() => {
          const dx = b.target(x);
          d.reluBackward(hr, b.gradOf(y), o.useDst ? out : xa.t, dx);
          b.contribute(x, dx);
        });
    },
  };
}
