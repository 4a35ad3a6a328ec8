// Filters in the blocked order ORT's NCHWc convolution expects, computed inside the graph (the
// filters of a training step are fed or computed, so ORT cannot pre-pack them). The tensor keeps
// its [O, I, kh, kw] shape; only the element order changes:
//   blocked input          [O/B, I/B, kh, kw, B_i, B_o]
//   NCHW input, depthwise  [O/B, I, kh, kw, B_o]
// Both come from ReorderInput (MLAS's vectorised NCHW → NCHWc copy): once over I, then over O with
// everything else flattened into one "spatial" axis. A filter that is a computed activation (dy in
// the filter gradient) is as large as an activation, so this matters.

import type { GradEmitter } from '../../../autodiff/emitter.js';
import type { Value } from '../../../ir/value.js';

export type FilterLayout = 'blocked' | 'output-blocked';

export function reorderFilter(
  e: GradEmitter,
  w: Value,
  dims: readonly number[],
  domain: string,
  layout: FilterLayout,
): Value {
  const [o, i, kh, kw] = dims as [number, number, number, number];
  const inner = layout === 'blocked' ? e.op('ReorderInput', [w], {}, { domain, shape: dims }) : w;
  const flat = e.reshape(inner, [1, o, i * kh * kw, 1]);
  const blocked = e.op('ReorderInput', [flat], {}, { domain, shape: [1, o, i * kh * kw, 1] });
  return e.reshape(blocked, [o, i, kh, kw]);
}
