// MatMul with numpy semantics: 1-D operands are promoted (and the added axis removed), leading
// batch dims broadcast. MACs: output elements × K per sample. A constant operand is a parameter.

import { broadcastShapes, type Dim, formatShape } from '../dims.js';
import type { OpSpec } from '../op-spec.js';

export const matmulSpec: OpSpec = {
  shape(_node, ctx) {
    const a = ctx.shape(0);
    const b = ctx.shape(1);
    if (a.length === 0 || b.length === 0) return ctx.fail('MatMul operands must have rank ≥ 1');
    const a2 = a.length === 1 ? [1, a[0]!] : a;
    const b2 = b.length === 1 ? [b[0]!, 1] : b;
    const ka = a2[a2.length - 1]!;
    const kb = b2[b2.length - 2]!;
    if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) {
      ctx.fail(`expected ${ka} rows (last dim of A ${formatShape(a)}), got ${kb} (B ${formatShape(b)})`, {
        input: 1,
      });
    }
    const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)]);
    if (!('shape' in batch)) {
      return ctx.fail(`batch dims of A ${formatShape(a)} and B ${formatShape(b)} do not broadcast`, {
        input: 1,
      });
    }
    const out: Dim[] = [...batch.shape];
    if (a.length > 1) out.push(a2[a2.length - 2]!);
    if (b.length > 1) out.push(b2[b2.length - 1]!);
    return [{ elemType: ctx.elemType(0), shape: out }];
  },
  macs(_node, c) {
    const out = c.output(0);
    const a = c.input(0);
    if (!out || !a) return undefined;
    return out.reduce((x, y) => x * y, 1) * a[a.length - 1]!;
  },
  paramInputs: [0, 1],
};
