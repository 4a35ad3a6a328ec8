// Reshape, Flatten, Squeeze, Unsqueeze: only the shape changes, so dx = dy reshaped to x's shape.

import type { GradRule } from '../grad-rule.js';

export const reshapeGrad: GradRule = {
  differentiable: [0],
  backward: ({ e, dy, x }) => [e.reshapeLike(dy(), x(0))],
};
