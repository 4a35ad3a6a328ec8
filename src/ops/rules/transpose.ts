// Transpose by `perm` (default: reverse the axes). Evaluated at build time on small data.

import type { OpSpec } from '../op-spec.js';
import type { SymElem } from '../sym-tensor.js';
import { sizeOf, stridesOf, unravel } from './tensor-index.js';

function permOf(perm: readonly number[] | undefined, rank: number): readonly number[] {
  return perm ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
}

export const transposeSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    const perm = permOf(node.attrInts('perm'), x.length);
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== x.length || sorted.some((p, i) => p !== i)) {
      ctx.fail(`perm [${perm.join(', ')}] is not a permutation of the ${x.length} input axes`);
    }
    return [{ elemType: ctx.elemType(0), shape: perm.map((p) => x[p]!) }];
  },
  evaluate(node, ctx, outs) {
    const x = ctx.data(0);
    if (!x) return undefined;
    const perm = permOf(node.attrInts('perm'), x.dims.length);
    const dims = perm.map((p) => x.dims[p]!);
    const strides = stridesOf(x.dims);
    const data: SymElem[] = [];
    for (let k = 0; k < sizeOf(dims); k++) {
      const idx = unravel(k, dims);
      data.push(x.data[idx.reduce((f, j, a) => f + j * strides[perm[a]!]!, 0)]!);
    }
    return [{ elemType: outs[0]!.elemType, dims, data }];
  },
};
