import { describe, expect, it } from 'vitest';
import { keepTop, rankAscending } from './keep-top.js';

describe('keepTop', () => {
  it('keeps the highest scores, ascending indices; equal scores keep the lower index', () => {
    expect([...keepTop(Float32Array.of(0.5, 0.1, 0.9, 0.5), 2)]).toEqual([0, 2]);
    expect([...keepTop(Float32Array.of(1, 1, 1, 1), 2)]).toEqual([0, 1]);
    expect([...rankAscending(Float32Array.of(2, 1, 2, 1))]).toEqual([3, 1, 2, 0]);
    expect([...keepTop(Float32Array.of(3, 2), 0)]).toEqual([]);
  });

  it('refuses NaN scores', () => {
    expect(() => keepTop(Float32Array.of(1, Number.NaN), 1)).toThrow(/channel 1 has a NaN score/);
  });
});
