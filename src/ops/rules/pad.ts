// Pad: pads as an attribute before opset 11, as input 1 from 11 (with optional axes, input 3,
// from 18). Each dim grows by begin + end (negative pads crop).

import type { Dim } from '../dims.js';
import { normAxis } from '../dims.js';
import type { OpSpec } from '../op-spec.js';

export const padSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    const pads = ctx.opset < 11 ? node.attrInts('pads') : ctx.ints(1);
    if (!pads) return [{ elemType: ctx.elemType(0), shape: x.map(() => null) }];
    let axes = x.map((_, i) => i);
    if (ctx.opset >= 18 && ctx.has(3)) {
      const given = ctx.ints(3);
      if (!given) return [{ elemType: ctx.elemType(0), shape: x.map(() => null) }];
      axes = given.map(
        (a) => normAxis(a, x.length) ?? ctx.fail(`axis ${a} is out of range for rank ${x.length}`),
      );
    }
    if (pads.length !== 2 * axes.length) {
      ctx.fail(
        `expected ${2 * axes.length} pads (begin and end per axis), got ${pads.length}`,
        ctx.opset < 11 ? {} : { input: 1 },
      );
    }
    const out: Dim[] = [...x];
    axes.forEach((a, i) => {
      const d = x[a]!;
      const add = pads[i]! + pads[i + axes.length]!;
      out[a] = typeof d === 'number' ? d + add : add === 0 ? d : null;
    });
    return [{ elemType: ctx.elemType(0), shape: out }];
  },
};
