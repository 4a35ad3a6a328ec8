// Reducers: one score row per group channel from the rows of the group's members (a residual
// stream has several producers, BNs and consumers; each scores the shared channels).

import { PareError } from '../util/errors.js';

export type Reducer = (rows: readonly Float32Array[]) => Float32Array;

export const reducers = {
  mean: (rows) => {
    const out = sumRows(rows);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! / rows.length;
    return out;
  },
  sum: (rows) => sumRows(rows),
  max: (rows) => {
    const out = Float32Array.from(rows[0]!);
    for (const r of rows.slice(1)) for (let i = 0; i < out.length; i++) out[i] = Math.max(out[i]!, r[i]!);
    return out;
  },
  first: (rows) => Float32Array.from(rows[0]!),
} as const satisfies Record<string, Reducer>;

export type ReducerName = keyof typeof reducers;

export const reducerNames = Object.keys(reducers) as ReducerName[];

/** Reduce member rows (all of one length, at least one) with the named reducer. */
export function reduceRows(name: ReducerName, rows: readonly Float32Array[]): Float32Array {
  if (rows.length === 0) throw new PareError('PARE_INTERNAL', 'reduceRows: no rows to reduce');
  const n = rows[0]!.length;
  if (rows.some((r) => r.length !== n))
    throw new PareError(
      'PARE_INTERNAL',
      `reduceRows: rows of different lengths (${rows.map((r) => r.length)})`,
    );
  return reducers[name](rows);
}

// Sums in float64 so that a long residual group does not lose the small scores.
function sumRows(rows: readonly Float32Array[]): Float32Array {
  const acc = new Float64Array(rows[0]!.length);
  for (const r of rows) for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + r[i]!;
  return Float32Array.from(acc);
}
