// Filters in the blocked order ORT's NCHWc convolution expects, computed inside the graph (the
// filters of a training step are fed or computed, so ORT cannot pre-pack them). The tensor keeps
// its [O, I, kh, kw] shape; only the element order changes:
//   blocked input   [O/B, I/B, kh, kw, B_i, B_o]
//   NCHW input or depthwise  [O/B, I, kh, kw, B_o]

import type { Graph } from '../../ir/graph.js';
import type { Value } from '../../ir/value.js';
import type { GradEmitter } from '../emitter.js';

export type FilterLayout = 'blocked' | 'output-blocked';

export function reorderFilter(
  e: GradEmitter,
  w: Value,
  dims: readonly number[],
  block: number,
  layout: FilterLayout,
): Value {
  const [o, i, kh, kw] = dims as [number, number, number, number];
  const src = transposedSource(e.graph, w);
  let t: Value;
  if (layout === 'blocked' && src) {
    // w = Transpose(s, [1, 0, 2, 3]) with s [I, O, kh, kw]: one 6-D transpose from s directly.
    const split = e.reshape(src, [i / block, block, o / block, block, kh, kw]);
    t = e.transpose(split, [2, 0, 4, 5, 1, 3]);
  } else if (layout === 'blocked') {
    t = e.transpose(e.reshape(w, [o / block, block, i / block, block, kh, kw]), [0, 2, 4, 5, 3, 1]);
  } else {
    t = e.transpose(e.reshape(w, [o / block, block, i, kh, kw]), [0, 2, 3, 4, 1]);
  }
  return e.reshape(t, [o, i, kh, kw]);
}

/** `s` when `w` is Transpose(s, perm [1, 0, 2, 3]). */
function transposedSource(_g: Graph, w: Value): Value | undefined {
  const p = w.producer;
  if (p?.opType !== 'Transpose' || p.domain !== '') return undefined;
  const perm = p.attrInts('perm');
  return perm && perm.join() === '1,0,2,3' ? p.input(0) : undefined;
}
