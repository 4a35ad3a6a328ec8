// Gemm: Y = alpha·A'·B' + beta·C with A' = transA ? Aᵀ : A ([M, K]), B' = transB ? Bᵀ : B ([K, N]);
// C broadcasts to [M, N]. MACs: M·K·N, M being the batch rows (1 per sample).

import { type Dim, formatShape } from '../dims.js';
import type { OpSpec } from '../op-spec.js';

export const gemmSpec: OpSpec = {
  shape(node, ctx) {
    const a = ctx.shape(0);
    const b = ctx.shape(1);
    if (a.length !== 2) return ctx.fail(`expected rank 2, got ${a.length}`, { input: 0 });
    if (b.length !== 2) return ctx.fail(`expected rank 2, got ${b.length}`, { input: 1 });
    const transA = node.attrInt('transA', 0) === 1;
    const transB = node.attrInt('transB', 0) === 1;
    const [m, ka] = transA ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
    const [kb, n] = transB ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
    if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) {
      ctx.fail(
        `expected K = ${ka} (from A ${formatShape(a)}${transA ? ', transA' : ''}), got ${kb} (B ${formatShape(b)}${transB ? ', transB' : ''})`,
        {
          input: 1,
        },
      );
    }
    if (ctx.has(2)) {
      // C broadcasts one way: each of its (right-aligned) dims is 1 or the output's.
      const c = ctx.shape(2);
      const target = [m, n];
      const fits = (d: Dim, i: number) => {
        const t = target[i + 2 - c.length];
        return d === 1 || typeof d !== 'number' || typeof t !== 'number' || d === t;
      };
      if (c.length > 2 || !c.every(fits)) {
        ctx.fail(`C ${formatShape(c)} does not broadcast to [${m}, ${n}]`, { input: 2 });
      }
    }
    return [{ elemType: ctx.elemType(0), shape: [m, n] }];
  },
  macs(node, c) {
    const out = c.output(0);
    const a = c.input(0);
    if (!out || !a) return undefined;
    const k = node.attrInt('transA', 0) === 1 ? a[0]! : a[1]!;
    return out[0]! * out[1]! * k;
  },
  paramInputs: [1, 2],
};
