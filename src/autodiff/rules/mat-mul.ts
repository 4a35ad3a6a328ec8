// MatMul (rank ≥ 2, batch dims broadcast): dA = dy·Bᵀ, dB = Aᵀ·dy over the last two axes; the
// driver sums broadcast batch dims back.

import type { Dim, Value } from '../../ir/value.js';
import { broadcastShapes } from '../emitter.js';
import type { GradRule } from '../grad-rule.js';

export const matMulGrad: GradRule = {
  differentiable: [0, 1],
  backward: ({ e, dy, x, shape, needs, fail }) => {
    const [a, b] = [x(0), x(1)];
    const [sa, sb] = [shape(a), shape(b)];
    if (sa.length < 2 || sb.length < 2)
      throw fail('1-D operands are not supported', 'reshape them to 2-D first');
    const swap = (v: Value, s: readonly Dim[]) => {
      const r = s.length;
      return e.transpose(v, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
    };
    const batch = broadcastShapes([sa.slice(0, -2), sb.slice(0, -2)]) ?? [];
    const mm = (p: Value, q: Value, rows: Dim, cols: Dim) =>
      e.op('MatMul', [p, q], {}, { shape: [...batch, rows, cols] });
    return [
      needs(0) ? mm(dy(), swap(b, sb), sa.at(-2)!, sa.at(-1)!) : undefined,
      needs(1) ? mm(swap(a, sa), dy(), sb.at(-2)!, sb.at(-1)!) : undefined,
    ];
  },
};
