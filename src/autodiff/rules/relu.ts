// Relu: dx = dy where y > 0 (the output is kept instead of the input: same mask, and the input
// can be freed earlier).

import type { GradRule } from '../grad-rule.js';

export const reluGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ e, dy, y }) => {
    const zero = e.scalarLike(0, y());
    return [e.op('Where', [e.op('Greater', [y(), zero]), dy(), zero])];
  },
};
