// PRelu: y = x for x > 0, slope·x elsewhere. dx = dy or slope·dy; dslope = dy·x where x ≤ 0
// (summed over broadcast axes by the driver).

import type { GradRule } from '../grad-rule.js';

export const pReluGrad: GradRule = {
  differentiable: [0, 1],
  broadcastDy: true,
  backward: ({ e, dy, x, needs }) => {
    const zero = e.scalarLike(0, x(0));
    const positive = e.op('Greater', [x(0), zero]);
    return [
      needs(0) ? e.op('Where', [positive, dy(), e.op('Mul', [dy(), x(1)])]) : undefined,
      needs(1) ? e.op('Where', [positive, zero, e.op('Mul', [dy(), x(0)])]) : undefined,
    ];
  },
};
