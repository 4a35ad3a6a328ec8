// Sqrt: dx = dy / (2·y).

import type { GradRule } from '../grad-rule.js';

export const sqrtGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ e, dy, y }) => [e.op('Div', [e.op('Mul', [dy(), e.scalarLike(0.5, y())]), y()])],
};
