// Range(start, limit, delta): length max(ceil((limit − start) / delta), 0); evaluated when known.

import type { OpSpec } from '../op-spec.js';
import { maxEvalElements } from '../sym-tensor.js';

function params(ctx: Parameters<OpSpec['shape']>[1]): [number, number, number] | undefined {
  const [s, l, d] = [ctx.floats(0)?.[0], ctx.floats(1)?.[0], ctx.floats(2)?.[0]];
  return s === undefined || l === undefined || d === undefined ? undefined : [s, l, d];
}

export const rangeSpec: OpSpec = {
  shape(_node, ctx) {
    const p = params(ctx);
    if (p && p[2] === 0) return ctx.fail('delta must not be 0', { input: 2 });
    return [{ elemType: ctx.elemType(0), shape: [p ? Math.max(Math.ceil((p[1] - p[0]) / p[2]), 0) : null] }];
  },
  evaluate(_node, ctx, outs) {
    const p = params(ctx);
    const n = outs[0]!.shape![0];
    if (!p || typeof n !== 'number' || n > maxEvalElements) return undefined;
    return [
      { elemType: outs[0]!.elemType, dims: [n], data: Array.from({ length: n }, (_, i) => p[0] + i * p[2]) },
    ];
  },
};
