// Neg: dx = −dy.

import type { GradRule } from '../grad-rule.js';

export const negGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ e, dy }) => [e.op('Neg', [dy()])],
};
