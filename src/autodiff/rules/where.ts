// Where: the selected branch receives dy, the other zero; the condition has no gradient.

import type { GradRule } from '../grad-rule.js';

export const whereGrad: GradRule = {
  differentiable: [1, 2],
  broadcastDy: true,
  backward: ({ e, dy, x, needs }) => {
    const zero = e.scalarLike(0, dy());
    return [
      undefined,
      needs(1) ? e.op('Where', [x(0), dy(), zero]) : undefined,
      needs(2) ? e.op('Where', [x(0), zero, dy()]) : undefined,
    ];
  },
};
