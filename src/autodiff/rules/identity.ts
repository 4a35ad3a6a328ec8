// Identity: the gradient passes through unchanged.

import type { GradRule } from '../grad-rule.js';

export const identityGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ dy }) => [dy()],
};
