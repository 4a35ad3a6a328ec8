// Slice bounds normalised as ONNX defines them: per sliced axis the first index, the step and the
// number of elements taken. Bounds come from inputs (opset ≥ 10) or attributes (older).

import type { GradContext } from '../grad-rule.js';

export interface SliceRange {
  readonly axis: number;
  readonly start: number;
  readonly step: number;
  readonly count: number;
}

export function sliceRanges(ctx: GradContext, dims: readonly number[]): SliceRange[] {
  const { node } = ctx;
  const rank = dims.length;
  const fromInputs = ctx.e.opset >= 10;
  const starts = (fromInputs ? ctx.constInts(1) : [...(node.attrInts('starts') ?? [])]) ?? [];
  const ends = (fromInputs ? ctx.constInts(2) : [...(node.attrInts('ends') ?? [])]) ?? [];
  const axes = (fromInputs ? ctx.constInts(3) : node.attrInts('axes')) ?? starts.map((_, i) => i);
  const steps = (fromInputs ? ctx.constInts(4) : undefined) ?? starts.map(() => 1);
  return starts.map((s0, i) => {
    const axis = axes[i]! < 0 ? axes[i]! + rank : axes[i]!;
    const dim = dims[axis]!;
    const step = steps[i]!;
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    const norm = (v: number) => (v < 0 ? v + dim : v);
    if (step > 0) {
      const start = clamp(norm(s0), 0, dim);
      const end = clamp(norm(ends[i]!), 0, dim);
      return { axis, start, step, count: Math.max(0, Math.ceil((end - start) / step)) };
    }
    const start = clamp(norm(s0), 0, dim - 1);
    const end = clamp(norm(ends[i]!), -1, dim - 1);
    return { axis, start, step, count: Math.max(0, Math.ceil((start - end) / -step)) };
  });
}
