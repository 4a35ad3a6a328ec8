// Add: both inputs receive dy; the driver sums broadcast axes back to each input's shape.

import type { GradRule } from '../grad-rule.js';

export const addGrad: GradRule = {
  differentiable: [0, 1],
  broadcastDy: true,
  backward: (ctx) => [ctx.dy(), ctx.dy()],
};
