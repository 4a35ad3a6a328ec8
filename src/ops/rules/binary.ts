// Elementwise arithmetic with multidirectional broadcasting (Add, Sub, Mul, Div, Pow, Max, Min,
// Sum, Mod). Evaluated at build time on small data; symbols survive exact identities (N·1, N+0,
// N/1) and nothing else. Integer results truncate, as ORT's integer Div does.

import type { OpSpec } from '../op-spec.js';
import { isFloatElem, type SymElem } from '../sym-tensor.js';
import { allInputs, broadcastInputs, evalBroadcast } from './broadcast.js';

type Fn = (a: number, b: number) => number;

/** `sym` handles a symbolic operand where the result is exact (else null); constants of at least
 * `paramMinSize` elements count as parameters (layer-scale gammas, not `x / 6`). */
export function arithmeticSpec(fn: Fn, sym?: (a: SymElem, b: SymElem) => SymElem, paramMinSize = 2): OpSpec {
  return {
    shape: (node, ctx) => [{ elemType: ctx.elemType(0), shape: broadcastInputs(node, ctx, allInputs(node)) }],
    evaluate(node, ctx, outs) {
      const isInt = !isFloatElem(outs[0]!.elemType);
      const f = (xs: SymElem[]): SymElem =>
        xs.reduce((a, b) => {
          if (typeof a !== 'number' || typeof b !== 'number') return sym ? sym(a, b) : null;
          const r = fn(a, b);
          return isInt ? Math.trunc(r) : r;
        });
      return [evalBroadcast(ctx, allInputs(node), outs[0]!.shape!, outs[0]!.elemType, f)];
    },
    paramInputs: [0, 1],
    paramMinSize,
  };
}

/** Mean of any number of inputs (no build-time evaluation: never part of shape chains). */
export const meanSpec: OpSpec = {
  shape: (node, ctx) => [{ elemType: ctx.elemType(0), shape: broadcastInputs(node, ctx, allInputs(node)) }],
};
