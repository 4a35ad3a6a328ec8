// Global ranking: every channel of every group that may lose channels, lowest (normalised) score
// first; a prefix of this order is "everything under a global threshold". Channels past a group's
// cap (size − its fewest allowed) are left out, so any prefix respects minChannels and maxRatio.

import type { GroupLimits } from './constraints.js';
import { rankAscending } from './keep-top.js';

/** Group index of each removable channel, in removal order (ties: lower index kept, earlier group first). */
export function globalSequence(
  limits: readonly GroupLimits[],
  scores: ReadonlyMap<string, Float32Array>,
): Int32Array {
  const entries: { score: number; index: number; group: number }[] = [];
  limits.forEach((l, g) => {
    if (l.frozen) return;
    const s = scores.get(l.group.id)!;
    // Within a group the order is its own ranking (which already breaks ties by index).
    const cap = l.group.size - l.lower;
    const order = rankAscending(s);
    for (let k = 0; k < cap; k++) entries.push({ score: s[order[k]!]!, index: order[k]!, group: g });
  });
  entries.sort((a, b) => a.score - b.score || b.index - a.index || a.group - b.group);
  return Int32Array.from(entries, (e) => e.group);
}

/** Kept count per group after removing the first `length` channels of `seq`, then rounding. */
export function keptFromPrefix(limits: readonly GroupLimits[], seq: Int32Array, length: number): Int32Array {
  const removed = new Int32Array(limits.length);
  for (let i = 0; i < length; i++) removed[seq[i]!]!++;
  return Int32Array.from(limits, (l, g) => (l.frozen ? l.group.size : l.allowed(l.group.size - removed[g]!)));
}
