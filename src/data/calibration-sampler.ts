// Calibration subsets (activation statistics, BN recalibration, data-driven importance): a few
// samples balanced over the classes, chosen by seed so that a run can be repeated exactly.

import { Rng } from '../util/rng.js';

/**
 * Indices of `count` samples, as evenly spread over classes as the data allows: each class gets
 * ⌊count / classes⌋, the remainder goes to classes in a seeded random order, and the share of a
 * class with too few samples is handed to the others. Returned in ascending order (faster reads,
 * same set). Asking for more than there are returns every index.
 */
export function sampleBalanced(
  labels: Int32Array,
  numClasses: number,
  count: number,
  seed: number,
): Int32Array {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`sampleBalanced: count must be a non-negative integer, got ${count}`);
  }
  const rng = new Rng(seed);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]!]?.push(i);
  const quota = allocate(
    byClass.map((members) => members.length),
    Math.min(count, labels.length),
    rng,
  );
  const chosen: number[] = [];
  byClass.forEach((members, c) => {
    // A partial Fisher-Yates: the first quota[c] positions become a uniform sample without replacement.
    const take = quota[c]!;
    for (let i = 0; i < take; i++) {
      const j = i + rng.int(members.length - i);
      const t = members[i]!;
      members[i] = members[j]!;
      members[j] = t;
      chosen.push(members[i]!);
    }
  });
  return Int32Array.from(chosen).sort();
}

/** Per-class counts summing to `total`, each within what the class has, as equal as possible. */
function allocate(available: readonly number[], total: number, rng: Rng): number[] {
  const quota = available.map(() => 0);
  let left = total;
  // Classes that still have samples; each round shares `left` evenly among them.
  let open = available.map((_, c) => c).filter((c) => available[c]! > 0);
  while (left > 0 && open.length > 0) {
    const share = Math.floor(left / open.length);
    if (share === 0) {
      // Fewer samples left than classes: a seeded random choice of which classes get one more.
      for (const c of rng.shuffle(open.slice()).slice(0, left)) quota[c] = quota[c]! + 1;
      break;
    }
    for (const c of open) {
      const add = Math.min(share, available[c]! - quota[c]!);
      quota[c] = quota[c]! + add;
      left -= add;
    }
    open = open.filter((c) => quota[c]! < available[c]!);
  }
  return quota;
}
