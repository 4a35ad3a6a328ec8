// From kept group channels to kept positions of every tracked activation: what surgery cuts and
// what the cost prediction counts.

import type { ChannelAnalysis } from './channel-types.js';

export interface ValueKeep {
  readonly axis: number;
  /** Length of the channel axis in the original graph. */
  readonly size: number;
  /** Kept positions (ascending); undefined when every position stays. */
  readonly keep: Int32Array | undefined;
}

/** Kept positions of every tracked value, by value name. */
export function valueKeeps(
  analysis: ChannelAnalysis,
  kept: ReadonlyMap<string, Int32Array>,
): Map<string, ValueKeep> {
  const masks = new Map<string, { axis: number; size: number; mask: Uint8Array | undefined }>();
  for (const group of analysis.groups) {
    const keep = kept.get(group.id);
    const drop = keep ? complement(keep, group.size) : [];
    for (const cv of group.values) {
      let m = masks.get(cv.value);
      if (!m) {
        m = { axis: cv.axis, size: cv.size, mask: undefined };
        masks.set(cv.value, m);
      }
      if (drop.length === 0) continue;
      m.mask ??= new Uint8Array(cv.size).fill(1);
      for (const ch of drop)
        for (let k = ch * cv.block; k < (ch + 1) * cv.block; k++) m.mask[cv.indexMap[k]!] = 0;
    }
  }
  const out = new Map<string, ValueKeep>();
  for (const [name, m] of masks)
    out.set(name, { axis: m.axis, size: m.size, keep: m.mask && indicesOf(m.mask) });
  return out;
}

/** Channels of a group not in `keep` (ascending). */
export function complement(keep: Int32Array, size: number): number[] {
  const drop: number[] = [];
  let k = 0;
  for (let i = 0; i < size; i++) {
    if (k < keep.length && keep[k] === i) k++;
    else drop.push(i);
  }
  return drop;
}

function indicesOf(mask: Uint8Array): Int32Array {
  let n = 0;
  for (const x of mask) n += x;
  const out = new Int32Array(n);
  let w = 0;
  mask.forEach((x, i) => {
    if (x) out[w++] = i;
  });
  return out;
}
