// Slice: dy is scattered back into zeros of x's shape. Steps other than 1 interleave zeros
// (Unsqueeze, Pad, Reshape); negative steps first reverse dy. Needs static dims and constant bounds.

import type { Value } from '../../ir/value.js';
import type { GradRule } from '../grad-rule.js';
import { sliceRanges } from './slice-ranges.js';

const FAR = -(2 ** 62);

export const sliceGrad: GradRule = {
  differentiable: [0],
  backward: (ctx) => {
    const { e, dy, x, dims } = ctx;
    const xs = dims(x(0));
    let g: Value = dy();
    const shape = [...dims(ctx.y())];
    for (const r of sliceRanges(ctx, xs)) {
      const { axis, count } = r;
      if (count === 0) return [e.zerosLike(x(0))];
      let lo = r.start;
      const step = Math.abs(r.step);
      if (r.step < 0) {
        g = e.op(
          'Slice',
          [g, e.ints([-1]), e.ints([FAR]), e.ints([axis]), e.ints([-1])],
          {},
          { shape: [...shape] },
        );
        lo = r.start + (count - 1) * r.step;
      }
      if (step > 1) {
        const wide = [...shape.slice(0, axis + 1), 1, ...shape.slice(axis + 1)];
        const pads = new Array<number>(2 * wide.length).fill(0);
        pads[wide.length + axis + 1] = step - 1;
        const u = e.op(
          'Pad',
          [e.unsqueeze(g, [axis + 1]), e.ints(pads)],
          {},
          { shape: wide.map((d, i) => (i === axis + 1 ? step : d)) },
        );
        shape[axis] = count * step;
        g = e.reshape(u, [...shape]);
        shape[axis] = (count - 1) * step + 1;
        g = e.op(
          'Slice',
          [g, e.ints([0]), e.ints([shape[axis]!]), e.ints([axis])],
          {},
          { shape: [...shape] },
        );
      }
      const pads = new Array<number>(2 * xs.length).fill(0);
      pads[axis] = lo;
      pads[xs.length + axis] = xs[axis]! - lo - shape[axis]!;
      shape[axis] = xs[axis]!;
      g = e.op('Pad', [g, e.ints(pads)], {}, { shape: [...shape] });
    }
    return [g];
  },
};
