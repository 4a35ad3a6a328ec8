// Resize (opset 10: X, scales; 11+: X, roi, scales, sizes; 18: axes, keep_aspect_ratio_policy) and
// Upsample (scales attribute in 7–8, input from 9). Output dim = floor(dim · scale) or sizes.

import type { Node } from '../../ir/node.js';
import type { Dim } from '../dims.js';
import type { OpSpec, ShapeContext } from '../op-spec.js';

function scaled(x: readonly Dim[], scales: readonly number[]): Dim[] {
  return x.map((d, i) => {
    const s = scales[i]!;
    if (typeof d === 'number') return Math.floor(d * s);
    return s === 1 ? d : null;
  });
}

function resizeShape(node: Node, ctx: ShapeContext): Dim[] {
  const x = ctx.shape(0);
  const unknown = x.map(() => null);
  const [scalesAt, sizesAt] = ctx.opset < 11 ? [1, -1] : [2, 3];
  const present = (i: number) => i >= 0 && ctx.has(i) && ctx.shape(i)[0] !== 0;
  const axesAttr = node.attrInts('axes');
  const axes = axesAttr ? axesAttr.map((a) => (a < 0 ? a + x.length : a)) : x.map((_, i) => i);
  if (present(sizesAt)) {
    const sizes = ctx.ints(sizesAt);
    if (!sizes) return unknown;
    if (sizes.length !== axes.length)
      return ctx.fail(`expected ${axes.length} sizes, got ${sizes.length}`, { input: sizesAt });
    const policy = node.attrString('keep_aspect_ratio_policy', 'stretch');
    const out: Dim[] = [...x];
    if (policy === 'stretch') {
      axes.forEach((a, i) => {
        out[a] = sizes[i]!;
      });
      return out;
    }
    if (axes.some((a) => typeof x[a] !== 'number')) return unknown;
    const ratios = axes.map((a, i) => sizes[i]! / (x[a] as number));
    const r = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
    axes.forEach((a) => {
      const d = x[a];
      out[a] = typeof d === 'number' ? Math.round(d * r) : null;
    });
    return out;
  }
  if (!present(scalesAt)) return ctx.fail('one of scales or sizes must be given');
  const scales = ctx.floats(scalesAt);
  if (!scales) return unknown;
  if (scales.length !== axes.length)
    return ctx.fail(`expected ${axes.length} scales, got ${scales.length}`, { input: scalesAt });
  const full = x.map(() => 1);
  axes.forEach((a, i) => {
    full[a] = scales[i]!;
  });
  return scaled(x, full);
}

export const resizeSpec: OpSpec = {
  shape: (node, ctx) => [{ elemType: ctx.elemType(0), shape: resizeShape(node, ctx) }],
};

export const upsampleSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    const scales = ctx.opset < 9 ? node.attrFloats('scales') : ctx.floats(1);
    if (!scales) return [{ elemType: ctx.elemType(0), shape: x.map(() => null) }];
    if (scales.length !== x.length) return ctx.fail(`expected ${x.length} scales, got ${scales.length}`);
    return [{ elemType: ctx.elemType(0), shape: scaled(x, scales) }];
  },
};
