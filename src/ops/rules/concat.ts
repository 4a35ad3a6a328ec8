// Concat along `axis`: other dims must agree; the axis dim is the sum. Evaluated at build time
// (exporters build Reshape targets with Concat of Shape pieces).

import { type Dim, normAxis } from '../dims.js';
import type { OpSpec } from '../op-spec.js';
import type { SymElem } from '../sym-tensor.js';
import { stridesOf } from './tensor-index.js';

export const concatSpec: OpSpec = {
  shape(node, ctx) {
    const shapes = node.inputs.map((_, i) => ctx.shape(i));
    const rank = shapes[0]!.length;
    // Required since opset 4 (ONNX Runtime rejects the model without it): no silent default.
    if (node.attr('axis') === undefined) return ctx.fail("required attribute 'axis' is missing");
    const axis = normAxis(node.attrInt('axis', 0), rank);
    if (axis === undefined) return ctx.fail(`axis ${node.attrInt('axis')} is out of range for rank ${rank}`);
    const out: Dim[] = [...shapes[0]!];
    let sum: Dim = 0;
    for (const [i, s] of shapes.entries()) {
      if (s.length !== rank) ctx.fail(`expected rank ${rank} (as input 0), got ${s.length}`, { input: i });
      s.forEach((d, k) => {
        if (k === axis) return;
        const o = out[k]!;
        if (typeof d === 'number' && typeof o === 'number' && d !== o) {
          ctx.fail(`dim ${k} must match input 0 (concat axis is ${axis}): expected ${o}, got ${d}`, {
            input: i,
          });
        }
        if (typeof o !== 'number' && d !== null) out[k] = typeof d === 'number' || o === null ? d : o;
      });
      const d = s[axis]!;
      sum = typeof sum === 'number' && typeof d === 'number' ? sum + d : null;
    }
    out[axis] = sum;
    return [{ elemType: ctx.elemType(0), shape: out }];
  },
  evaluate(node, ctx, outs) {
    const parts = node.inputs.map((_, i) => ctx.data(i));
    const shape = outs[0]!.shape!;
    if (parts.some((p) => !p) || shape.some((d) => typeof d !== 'number')) return undefined;
    const rank = shape.length;
    const axis = normAxis(node.attrInt('axis', 0), rank)!;
    const dims = shape as number[];
    const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
    const data: SymElem[] = [];
    for (let o = 0; o < outer; o++) {
      for (const p of parts) {
        const block = p!.dims.length === 0 ? 1 : p!.dims[axis]! * (stridesOf(p!.dims)[axis] ?? 1);
        data.push(...p!.data.slice(o * block, (o + 1) * block));
      }
    }
    return [{ elemType: outs[0]!.elemType, dims, data }];
  },
};
