import { describe, expect, it } from 'vitest';
import { eventBoundaries } from './compress.js';

describe('prune event boundaries', () => {
  it('oneshot prunes once before training', () => {
    expect([...eventBoundaries('oneshot', 6, 3, 1)]).toEqual([[0, 1]]);
  });
  it('iterative prunes from the start through the pruning phase, reaching the target at the last event', () => {
    expect([...eventBoundaries('iterative', 8, 4, 1)]).toEqual([
      [0, 0.25],
      [1, 0.5],
      [2, 0.75],
      [3, 1],
    ]);
    expect([...eventBoundaries('iterative', 8, 4, 2)]).toEqual([
      [0, 0.5],
      [2, 1],
    ]);
    // No pruning phase left (one chunk, half of it): still one event at the start.
    expect([...eventBoundaries('iterative', 1, 0, 1)]).toEqual([[0, 1]]);
  });
  it('soft prunes after every e chunks and always after the last', () => {
    expect([...eventBoundaries('soft', 3, 3, 1).keys()]).toEqual([1, 2, 3]);
    expect([...eventBoundaries('soft', 5, 5, 2).keys()]).toEqual([2, 4, 5]);
  });
  it('soft with a shorter pruning phase ends it with one event (whose masks are then held)', () => {
    expect([...eventBoundaries('soft', 8, 4, 1).keys()]).toEqual([1, 2, 3, 4]);
    expect([...eventBoundaries('soft', 8, 5, 2).keys()]).toEqual([2, 4, 5]);
    // Half of a 2-chunk run: one event, after the first chunk.
    expect([...eventBoundaries('soft', 2, 1, 1).keys()]).toEqual([1]);
    // No pruning phase: prune before training, as oneshot.
    expect([...eventBoundaries('soft', 4, 0, 1).keys()]).toEqual([0]);
  });
});
