// Tanh: dx = dy·(1 − y²).

import type { GradRule } from '../grad-rule.js';

export const tanhGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ e, dy, y }) => {
    const slope = e.op('Sub', [e.scalarLike(1, y()), e.op('Mul', [y(), y()])]);
    return [e.op('Mul', [dy(), slope])];
  },
};
