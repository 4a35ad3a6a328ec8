// Dimension arithmetic over numbers, symbols ('N') and unknowns (null), and ONNX broadcasting.
// Symbols survive where ONNX semantics allow (copying, ×1, broadcasting against 1); anything else
// that involves a symbol becomes unknown.

import type { Dim } from '../ir/value.js';

export type { Dim };

/** Product of dims; null when any is not a number. */
export function dimProduct(dims: readonly Dim[]): number | null {
  let n = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return null;
    n *= d;
  }
  return n;
}

/** Product that keeps one symbol when all other factors multiply to 1 (['N', 1, 1] → 'N'). */
export function dimProductSym(dims: readonly Dim[]): Dim {
  let n = 1;
  let sym: string | undefined;
  for (const d of dims) {
    if (typeof d === 'number') n *= d;
    else if (typeof d === 'string' && sym === undefined) sym = d;
    else return null;
  }
  if (sym === undefined) return n;
  return n === 1 ? sym : null;
}

/**
 * `total / part` for element counts written as dim lists, cancelling equal symbols
 * ([N, 3, 4] / [N, 3] → 4). Null when the quotient is not determined or not whole.
 */
export function dimQuotient(total: readonly Dim[], part: readonly Dim[]): Dim {
  const syms: string[] = [];
  let num = 1;
  for (const d of total) {
    if (typeof d === 'number') num *= d;
    else if (typeof d === 'string') syms.push(d);
    else return null;
  }
  let den = 1;
  for (const d of part) {
    if (typeof d === 'number') den *= d;
    else if (typeof d === 'string') {
      const i = syms.indexOf(d);
      if (i < 0) return null;
      syms.splice(i, 1);
    } else return null;
  }
  if (den === 0 || num % den !== 0) return null;
  const q = num / den;
  if (syms.length === 0) return q;
  return syms.length === 1 && q === 1 ? syms[0]! : null;
}

/** Broadcast two dims (ONNX multidirectional); 'conflict' when both are numbers that cannot. */
export function broadcastDim(a: Dim, b: Dim): Dim | 'conflict' {
  if (a === b) return a;
  if (a === 1) return b;
  if (b === 1) return a;
  if (typeof a === 'number' && typeof b === 'number') return 'conflict';
  // A number other than 1 against a symbol or unknown: the number wins (the other must equal it).
  if (typeof a === 'number') return a;
  if (typeof b === 'number') return b;
  return null;
}

/** Shapes broadcast together; on conflict returns the axis (from the right-aligned result). */
export function broadcastShapes(
  shapes: readonly (readonly Dim[])[],
): { shape: Dim[] } | { conflict: { axis: number; input: number; got: Dim; expected: Dim } } {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = new Array<Dim>(rank).fill(1);
  for (let k = 0; k < shapes.length; k++) {
    const s = shapes[k]!;
    for (let i = 0; i < s.length; i++) {
      const axis = rank - s.length + i;
      const r = broadcastDim(out[axis]!, s[i]!);
      if (r === 'conflict') return { conflict: { axis, input: k, got: s[i]!, expected: out[axis]! } };
      out[axis] = r;
    }
  }
  return { shape: out };
}

/** Normalise a possibly negative axis into [0, rank). Undefined when out of range. */
export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

export function formatShape(shape: readonly Dim[] | undefined): string {
  if (!shape) return '(unknown rank)';
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}
