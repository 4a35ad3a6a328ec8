// Clip: the gradient passes where min ≤ x ≤ max (PyTorch's clamp convention at the bounds).
// min and max come from inputs (opset ≥ 11) or attributes (older opsets).

import type { Value } from '../../ir/value.js';
import type { GradRule } from '../grad-rule.js';

export const clipGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ e, dy, x, node }) => {
    const input = x(0);
    const bound = (i: number, attr: string): Value | undefined => {
      const v = node.input(i);
      if (v) return v;
      const a = node.attrFloat(attr);
      return a === undefined ? undefined : e.scalarLike(a, input);
    };
    const lo = bound(1, 'min');
    const hi = bound(2, 'max');
    const conds: Value[] = [];
    if (lo) conds.push(e.op('GreaterOrEqual', [input, lo]));
    if (hi) conds.push(e.op('LessOrEqual', [input, hi]));
    if (conds.length === 0) return [dy()];
    const inside = conds.length === 2 ? e.op('And', conds) : conds[0]!;
    return [e.op('Where', [inside, dy(), e.scalarLike(0, input)])];
  },
};
