// Log: dx = dy / x.

import type { GradRule } from '../grad-rule.js';

export const logGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ e, dy, x }) => [e.op('Div', [dy(), x(0)])],
};
