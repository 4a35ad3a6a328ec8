// Reshape: target from input 1 (often computed by a Shape chain, possibly holding symbols).
// 0 copies the input dim (unless allowzero = 1), -1 takes the remaining elements; symbols cancel
// ([N, C, H, W] → [N, -1] gives [N, C·H·W]).

import { type Dim, dimProduct, dimQuotient, formatShape } from '../dims.js';
import type { OpSpec } from '../op-spec.js';

export const reshapeSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    const target = ctx.data(1);
    if (!target) {
      const t = ctx.shape(1);
      const rank = t[0];
      return [
        {
          elemType: ctx.elemType(0),
          shape: typeof rank === 'number' ? new Array<Dim>(rank).fill(null) : undefined,
        },
      ];
    }
    const allowZero = node.attrInt('allowzero', 0) === 1;
    const out: Dim[] = target.data.map((d, i) =>
      d === 0 && !allowZero
        ? (x[i] ?? ctx.fail(`target dim ${i} is 0 (copy) but the input has rank ${x.length}`, { input: 1 }))
        : d,
    );
    const minus = out.flatMap((d, i) => (d === -1 ? [i] : []));
    if (minus.length > 1)
      return ctx.fail(`target ${formatShape(target.data)} has more than one -1`, { input: 1 });
    if (out.some((d) => typeof d === 'number' && d < -1))
      return ctx.fail(`target ${formatShape(target.data)} has a negative dim`, { input: 1 });
    if (minus.length === 1) {
      const rest = out.filter((_, i) => i !== minus[0]);
      const q = dimQuotient(x, rest);
      const [total, part] = [dimProduct(x), dimProduct(rest)];
      if (q === null && total !== null && part !== null) {
        ctx.fail(`cannot reshape ${formatShape(x)} (${total} elements) into ${formatShape(target.data)}`, {
          input: 1,
        });
      }
      out[minus[0]!] = q;
    } else {
      const [total, part] = [dimProduct(x), dimProduct(out)];
      if (total !== null && part !== null && total !== part) {
        ctx.fail(
          `cannot reshape ${formatShape(x)} (${total} elements) into ${formatShape(out)} (${part} elements)`,
          { input: 1 },
        );
      }
    }
    return [{ elemType: ctx.elemType(0), shape: out }];
  },
  evaluate(_node, ctx, outs) {
    const x = ctx.data(0);
    const shape = outs[0]!.shape;
    if (!x || !shape || shape.some((d) => typeof d !== 'number')) return undefined;
    return [{ ...x, dims: shape as number[] }];
  },
};
