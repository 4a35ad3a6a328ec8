// Exp: dx = dy·y.

import type { GradRule } from '../grad-rule.js';

export const expGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ e, dy, y }) => [e.op('Mul', [dy(), y()])],
};
