import { describe, expect, it } from 'vitest';
import { reduceRows } from './reducers.js';

const rows = [Float32Array.of(1, 4, -2), Float32Array.of(3, 0, 2)];

describe('reducers', () => {
  it('combine member rows channel by channel', () => {
    expect([...reduceRows('mean', rows)]).toEqual([2, 2, 0]);
    expect([...reduceRows('sum', rows)]).toEqual([4, 4, 0]);
    expect([...reduceRows('max', rows)]).toEqual([3, 4, 2]);
    expect([...reduceRows('first', rows)]).toEqual([1, 4, -2]);
  });

  it('never alias their input', () => {
    const one = [Float32Array.of(5, 6)];
    for (const r of ['mean', 'sum', 'max', 'first'] as const) {
      const out = reduceRows(r, one);
      out[0] = 0;
      expect(one[0]![0]).toBe(5);
    }
  });

  it('reject ragged rows and empty input', () => {
    expect(() => reduceRows('mean', [Float32Array.of(1), Float32Array.of(1, 2)])).toThrow(
      /different lengths/,
    );
    expect(() => reduceRows('sum', [])).toThrow(/no rows/);
  });
});
