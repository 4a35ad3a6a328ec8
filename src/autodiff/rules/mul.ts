// Mul: da = dy·b, db = dy·a (in the broadcast shape; the driver reduces).

import type { GradRule } from '../grad-rule.js';

export const mulGrad: GradRule = {
  differentiable: [0, 1],
  broadcastDy: true,
  backward: ({ e, dy, x, needs }) => [
    needs(0) ? e.op('Mul', [dy(), x(1)]) : undefined,
    needs(1) ? e.op('Mul', [dy(), x(0)]) : undefined,
  ],
};
