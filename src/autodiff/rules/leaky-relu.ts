// LeakyRelu: dx = dy where x > 0, alpha·dy elsewhere.

import type { GradRule } from '../grad-rule.js';

export const leakyReluGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ e, dy, x, node }) => {
    const alpha = e.scalarLike(node.attrFloat('alpha', 0.01), x(0));
    const positive = e.op('Greater', [x(0), e.scalarLike(0, x(0))]);
    return [e.op('Where', [positive, dy(), e.op('Mul', [dy(), alpha])])];
  },
};
