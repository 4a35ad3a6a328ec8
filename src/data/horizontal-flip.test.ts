import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { horizontalFlip } from './horizontal-flip.js';

describe('horizontalFlip', () => {
  it('mirrors every row of every channel of the samples it picks', () => {
    const seed = 3;
    const replay = new Rng(seed);
    const flips = [0, 1, 2].map(() => replay.next() < 0.5);
    // Three 2×2×3 samples; each row is [a, b, c].
    const sample = (s: number) => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((v) => v + 100 * s);
    const x = Float32Array.from([0, 1, 2].flatMap(sample));
    horizontalFlip().apply(x, x, 3, [2, 2, 3], new Rng(seed));
    const mirrored = (s: number) => {
      const rows = sample(s);
      return [0, 3, 6, 9].flatMap((r) => [rows[r + 2]!, rows[r + 1]!, rows[r]!]);
    };
    expect(Array.from(x)).toEqual([0, 1, 2].flatMap((s) => (flips[s] ? mirrored(s) : sample(s))));
    expect(flips).toContain(true);
  });

  it('flips always with p = 1, never with p = 0, odd widths keep the middle', () => {
    const x = Float32Array.of(1, 2, 3, 4, 5);
    horizontalFlip(1).apply(x, x, 1, [1, 1, 5], new Rng(0));
    expect(Array.from(x)).toEqual([5, 4, 3, 2, 1]);
    horizontalFlip(0).apply(x, x, 1, [1, 1, 5], new Rng(0));
    expect(Array.from(x)).toEqual([5, 4, 3, 2, 1]);
  });

  it('draws one number per sample, flipped or not', () => {
    const rng = new Rng(9);
    horizontalFlip().apply(new Float32Array(8), new Float32Array(8), 4, [1, 1, 2], rng);
    const replay = new Rng(9);
    for (let i = 0; i < 4; i++) replay.next();
    expect(rng.next()).toBe(replay.next());
  });
});
