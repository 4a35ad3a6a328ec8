// ReduceMean: like ReduceSum (unexpanded), divided by the number of reduced elements (computed at
// run time when a reduced dim is symbolic, e.g. the batch).

import type { GradRule } from '../grad-rule.js';
import { reduceAxes } from './reduce-axes.js';

export const reduceMeanGrad: GradRule = {
  differentiable: [0],
  backward: (ctx) => {
    const { e, dy, x, y, node, shape } = ctx;
    const s = shape(x(0));
    const axes = reduceAxes(ctx, s.length);
    const kept = node.attrInt('keepdims', 1) === 1 || axes.length === 0 ? dy() : e.unsqueeze(dy(), axes);
    const extents = axes.map((a) => s[a]);
    if (extents.every((d) => typeof d === 'number')) {
      const count = (extents as number[]).reduce((p, d) => p * d, 1);
      return [e.op('Mul', [kept, e.scalarLike(1 / count, dy())])];
    }
    // A symbolic extent (the batch): the count is size(x) / size(y), computed at run time.
    const elemType = dy().type?.elemType ?? 1;
    const size = (v: typeof kept) =>
      e.op(
        'Cast',
        [e.op('Size', [v], {}, { shape: [], elemType: 7 })],
        { to: elemType },
        { shape: [], elemType },
      );
    return [e.op('Mul', [kept, e.op('Div', [size(y()), size(x(0))])])];
  },
};
