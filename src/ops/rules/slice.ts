// Slice: starts/ends/axes as attributes before opset 10, as inputs (plus steps) from 10. Bounds
// are clamped as ONNX specifies; a symbolic dim survives a full-range slice. Evaluated at build time.

import type { Node } from '../../ir/node.js';
import { type Dim, normAxis } from '../dims.js';
import type { OpSpec, ShapeContext } from '../op-spec.js';
import type { SymElem } from '../sym-tensor.js';
import { sizeOf, stridesOf, unravel } from './tensor-index.js';

interface SliceParams {
  starts: number[];
  ends: number[];
  axes: number[];
  steps: number[];
}

function params(node: Node, ctx: ShapeContext, rank: number): SliceParams | undefined {
  const old = ctx.opset < 10;
  const starts = old ? node.attrInts('starts')?.slice() : ctx.ints(1);
  const ends = old ? node.attrInts('ends')?.slice() : ctx.ints(2);
  if (!starts || !ends) return undefined;
  const rawAxes = old ? node.attrInts('axes')?.slice() : ctx.has(3) ? ctx.ints(3) : undefined;
  if (!old && ctx.has(3) && !rawAxes) return undefined;
  const axes = (rawAxes ?? starts.map((_, i) => i)).map(
    (a) => normAxis(a, rank) ?? ctx.fail(`axis ${a} is out of range for rank ${rank}`),
  );
  const steps = !old && ctx.has(4) ? ctx.ints(4) : starts.map(() => 1);
  if (!steps) return undefined;
  if (steps.some((s) => s === 0)) return ctx.fail('steps must not be 0');
  return { starts, ends, axes, steps };
}

/** [start, length] of one sliced axis of size `d`. */
function range(d: number, start: number, end: number, step: number): [number, number] {
  if (start < 0) start += d;
  if (end < 0) end += d;
  if (step > 0) {
    start = Math.min(Math.max(start, 0), d);
    end = Math.min(Math.max(end, 0), d);
  } else {
    start = Math.min(Math.max(start, 0), d - 1);
    end = Math.min(Math.max(end, -1), d - 1);
  }
  return [start, Math.max(0, Math.ceil((end - start) / step))];
}

export const sliceSpec: OpSpec = {
  shape(node, ctx) {
    const x = ctx.shape(0);
    const p = params(node, ctx, x.length);
    if (!p) return [{ elemType: ctx.elemType(0), shape: x.map(() => null) }];
    const out: Dim[] = [...x];
    p.axes.forEach((a, i) => {
      const d = x[a]!;
      const [s, e, st] = [p.starts[i]!, p.ends[i]!, p.steps[i]!];
      if (typeof d === 'number') out[a] = range(d, s, e, st)[1];
      else out[a] = st === 1 && s === 0 && e >= 2 ** 31 - 1 ? d : null;
    });
    return [{ elemType: ctx.elemType(0), shape: out }];
  },
  evaluate(node, ctx, outs) {
    const x = ctx.data(0);
    const shape = outs[0]!.shape!;
    if (!x || shape.some((d) => typeof d !== 'number')) return undefined;
    const p = params(node, ctx, x.dims.length)!;
    const begin = x.dims.map(() => 0);
    const step = x.dims.map(() => 1);
    p.axes.forEach((a, i) => {
      begin[a] = range(x.dims[a]!, p.starts[i]!, p.ends[i]!, p.steps[i]!)[0];
      step[a] = p.steps[i]!;
    });
    const dims = shape as number[];
    const strides = stridesOf(x.dims);
    const data: SymElem[] = [];
    for (let k = 0; k < sizeOf(dims); k++) {
      const idx = unravel(k, dims);
      data.push(x.data[idx.reduce((f, j, a) => f + (begin[a]! + j * step[a]!) * strides[a]!, 0)]!);
    }
    return [{ elemType: outs[0]!.elemType, dims, data }];
  },
};
