// Sum a gradient back to the shape of the value it belongs to (NumPy broadcasting in reverse): axes
// the gradient has in excess (leading extra axes, extents above a 1 of the value) are reduced. The
// result may still be smaller than the value (extent 1 or fewer axes where the value is larger): such
// a gradient is kept unexpanded and broadcast where it is consumed, which saves full-size passes.

import type { Dim, Value } from '../ir/value.js';
import type { GradEmitter } from './emitter.js';

export interface Unbroadcast {
  /** Axes of the gradient to sum (keepdims), then the leading `extra` axes are dropped. */
  readonly axes: readonly number[];
  readonly extra: number;
}

/** How to bring a gradient of shape `from` to (a shape broadcasting to) `to`; a string when impossible. */
export function unbroadcastAxes(from: readonly Dim[], to: readonly Dim[]): Unbroadcast | string {
  const extra = Math.max(0, from.length - to.length);
  const axes: number[] = [];
  for (let i = 0; i < extra; i++) axes.push(i);
  const offset = from.length - to.length;
  for (let i = 0; i < to.length; i++) {
    if (i + offset < 0) continue;
    const t = to[i]!;
    const f = from[i + offset]!;
    if (t === 1) {
      if (f !== 1) axes.push(i + offset);
    } else if (f !== 1 && typeof t === 'number' && typeof f === 'number' && t !== f) {
      return `extent ${f} on axis ${i + offset} does not match ${t}`;
    }
  }
  return { axes, extra };
}

/** Whether a gradient of shape `g` must be expanded to stand for a value of shape `v`. */
export function isSmaller(g: readonly Dim[], v: readonly Dim[]): boolean {
  return g.length < v.length || g.some((d, i) => d === 1 && v[i + v.length - g.length] !== 1);
}

export function unbroadcast(e: GradEmitter, g: Value, u: Unbroadcast): Value {
  if (u.axes.length === 0) return g;
  const r = e.reduceSum(g, u.axes, true);
  if (u.extra === 0) return r;
  return e.squeeze(
    r,
    Array.from({ length: u.extra }, (_, i) => i),
  );
}
