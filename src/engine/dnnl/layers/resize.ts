// Resize, nearest by whole factors on H and W (the modes the ORT graph's rule takes: autodiff/rules/
// resize.ts), as oneDNN nearest resampling forward and backward (the backward sums each f_h × f_w block).

import { nearestFactors } from '../../../autodiff/rules/resize.js';
import type { Node } from '../../../ir/node.js';
import { type BuildContext, chw, type Layer, type LowerContext } from './layer.js';

export function lowerResize(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  const y = node.output(0).name;
  const si = ctx.shape(x);
  const so = ctx.shape(y);
  if (!si || !so) return `${ctx.where}: the input or output shape is not static`;
  const f = nearestFactors(
    node.attrString('mode', 'nearest'),
    node.attrString('coordinate_transformation_mode', 'half_pixel'),
    node.attrString('nearest_mode', 'round_prefer_floor'),
    si,
    so,
  );
  if (typeof f === 'string') return `${ctx.where}: ${f}`;
  return {
    output: y,
    build(b: BuildContext) {
      const d = b.d;
      const xa = b.act(x);
      const [c, h, w] = chw(xa.t);
      const hr = d.resampleCreate({ n: b.n, c, h, w, oh: h * f[0], ow: w * f[1], layout: xa.t });
      b.record('resample', hr, xa.grad ? ['fwd', 'bwd'] : ['fwd']);
      const out = d.alloc(d.layout(hr, 'dst'));
      b.define(y, out, xa.grad);
      b.forward(() => d.resampleForward(hr, xa.t, out));
      if (xa.grad)
        b.backward(() => {
          const dx = b.target(x);
          d.resampleBackward(hr, b.gradOf(y), dx);
          b.contribute(x, dx);
        });
    },
  };
}
