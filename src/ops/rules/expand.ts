// Expand (broadcast X to a shape given as data) and Tile (repeat each axis).

import { broadcastShapes, type Dim, formatShape } from '../dims.js';
import type { OpSpec } from '../op-spec.js';

export const expandSpec: OpSpec = {
  shape(_node, ctx) {
    const x = ctx.shape(0);
    const target = ctx.data(1);
    if (!target) {
      const n = ctx.shape(1)[0];
      return [
        {
          elemType: ctx.elemType(0),
          shape: typeof n === 'number' ? new Array<Dim>(Math.max(n, x.length)).fill(null) : undefined,
        },
      ];
    }
    const r = broadcastShapes([x, target.data]);
    if (!('shape' in r))
      return ctx.fail(`cannot expand ${formatShape(x)} to ${formatShape(target.data)}`, { input: 1 });
    return [{ elemType: ctx.elemType(0), shape: r.shape }];
  },
};

export const tileSpec: OpSpec = {
  shape(_node, ctx) {
    const x = ctx.shape(0);
    const reps = ctx.ints(1);
    if (!reps) return [{ elemType: ctx.elemType(0), shape: x.map(() => null) }];
    if (reps.length !== x.length)
      return ctx.fail(`expected ${x.length} repeats, got ${reps.length}`, { input: 1 });
    return [
      {
        elemType: ctx.elemType(0),
        shape: x.map((d, i) => (typeof d === 'number' ? d * reps[i]! : reps[i] === 1 ? d : null)),
      },
    ];
  },
};
