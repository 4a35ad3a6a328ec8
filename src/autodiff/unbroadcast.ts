// Sum a gradient that has a broadcast shape back to the shape of the value it belongs to:
// leading extra axes and axes where the value has extent 1 are reduced (NumPy broadcasting in reverse).

import type { Dim, Value } from '../ir/value.js';
import type { GradEmitter } from './emitter.js';

/** Axes to reduce, or a string describing why `from` cannot be summed down to `to`. */
export function unbroadcastAxes(from: readonly Dim[], to: readonly Dim[]): number[] | string {
  const extra = from.length - to.length;
  if (extra < 0) return `rank ${from.length} is below the input's rank ${to.length}`;
  const axes: number[] = [];
  for (let i = 0; i < extra; i++) axes.push(i);
  for (let i = 0; i < to.length; i++) {
    const t = to[i]!;
    const f = from[i + extra]!;
    if (t === 1) {
      if (f !== 1) axes.push(i + extra);
    } else if (typeof t === 'number' && typeof f === 'number' && t !== f) {
      return `extent ${f} on axis ${i + extra} does not match ${t}`;
    }
  }
  return axes;
}

/** `g` summed to the shape of `target`; `g` itself when nothing needs reducing. */
export function unbroadcast(e: GradEmitter, g: Value, axes: readonly number[], extra: number): Value {
  if (axes.length === 0) return g;
  const r = e.reduceSum(g, axes, true);
  if (extra === 0) return r;
  return e.squeeze(
    r,
    Array.from({ length: extra }, (_, i) => i),
  );
}
