// Transpose: dx = dy transposed by the inverse permutation.

import type { GradRule } from '../grad-rule.js';

export const transposeGrad: GradRule = {
  differentiable: [0],
  backward: ({ e, dy, x, node, shape }) => {
    const rank = shape(x(0)).length;
    const perm = node.attrInts('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const inverse = new Array<number>(rank);
    perm.forEach((p, i) => {
      inverse[p] = i;
    });
    return [e.transpose(dy(), inverse)];
  },
};
