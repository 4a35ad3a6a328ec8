// GlobalAveragePool: dy / (H·W), left [N, C, 1, 1]: it broadcasts over the spatial extent.

import type { GradRule } from '../grad-rule.js';

export const globalAveragePoolGrad: GradRule = {
  differentiable: [0],
  backward: ({ e, dy, x, dimsAfterBatch }) => {
    const size = dimsAfterBatch(x(0))
      .slice(1)
      .reduce((a, b) => a * b, 1);
    return [e.op('Mul', [dy(), e.scalarLike(1 / size, dy())])];
  },
};
