// The channels a group keeps: the `count` highest scores; equal scores keep the lower index, so a
// plan is the same on every run and every platform.

import { PareError } from '../util/errors.js';

/** Indices of the `count` best channels, ascending. */
export function keepTop(scores: Float32Array, count: number): Int32Array {
  const order = rankAscending(scores);
  return order.slice(scores.length - count).sort();
}

/** Channel indices from the first to be removed to the last: score ascending, then index descending. */
export function rankAscending(scores: Float32Array): Int32Array {
  for (let i = 0; i < scores.length; i++)
    if (Number.isNaN(scores[i]))
      throw new PareError('PARE_CONFIG', `channel ${i} has a NaN score`, {
        notes: ['the criterion produced NaN: check the weights (NaN/Inf) or the calibration data'],
      });
  const idx = Int32Array.from(scores, (_, i) => i);
  return idx.sort((a, b) => scores[a]! - scores[b]! || b - a);
}
