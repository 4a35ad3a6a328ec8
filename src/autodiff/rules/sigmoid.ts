// Sigmoid: dx = dy·y·(1 − y).

import type { GradRule } from '../grad-rule.js';

export const sigmoidGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ e, dy, y }) => {
    const slope = e.op('Mul', [y(), e.op('Sub', [e.scalarLike(1, y()), y()])]);
    return [e.op('Mul', [dy(), slope])];
  },
};
