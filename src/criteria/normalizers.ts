// Normalisers: make one group's scores comparable with another's before a global ranking.
// Each is a positive affine map within a group, so the order inside a group never changes.

export type Normalizer = (scores: Float32Array) => Float32Array;

export const normalizers = {
  none: (s) => Float32Array.from(s),
  /** s / mean(s) (Torch-Pruning's default): 1 is the group's average channel. */
  mean: (s) => divideBy(s, sumOf(s) / s.length),
  max: (s) => divideBy(s, maxOf(s)),
  sum: (s) => divideBy(s, sumOf(s)),
  /** (s − mean) / std: a channel's distance from its group's average in standard deviations. */
  standardize: (s) => {
    const mean = sumOf(s) / s.length;
    let v = 0;
    for (const x of s) v += (x - mean) * (x - mean);
    const std = Math.sqrt(v / s.length);
    const out = new Float32Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = std > 0 ? (s[i]! - mean) / std : 0;
    return out;
  },
} as const satisfies Record<string, Normalizer>;

export type NormalizerName = keyof typeof normalizers;

export const normalizerNames = Object.keys(normalizers) as NormalizerName[];

function sumOf(s: Float32Array): number {
  let t = 0;
  for (const x of s) t += x;
  return t;
}

function maxOf(s: Float32Array): number {
  let m = -Infinity;
  for (const x of s) m = Math.max(m, x);
  return m;
}

// A zero, negative or non-finite denominator would flip or destroy the order: leave the scores as
// they are (a group of all-zero scores stays all zero).
function divideBy(s: Float32Array, d: number): Float32Array {
  const out = Float32Array.from(s);
  if (!(d > 0) || !Number.isFinite(d)) return out;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / d;
  return out;
}
