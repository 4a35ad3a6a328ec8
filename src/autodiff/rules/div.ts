// Div: y = a / b, so da = dy / b and db = −dy·y / b.

import type { GradRule } from '../grad-rule.js';

export const divGrad: GradRule = {
  differentiable: [0, 1],
  broadcastDy: true,
  backward: ({ e, dy, x, y, needs }) => [
    needs(0) ? e.op('Div', [dy(), x(1)]) : undefined,
    needs(1) ? e.op('Neg', [e.op('Div', [e.op('Mul', [dy(), y()]), x(1)])]) : undefined,
  ],
};
