import { describe, expect, it } from 'vitest';
import { viewTyped } from './dtype.js';

describe('viewTyped', () => {
  it('copies unaligned bytes, also from a Node Buffer (whose slice does not copy)', () => {
    const backing = Buffer.alloc(17);
    const values = new BigInt64Array([-1n, 42n]);
    backing.set(new Uint8Array(values.buffer), 1);
    const unaligned = backing.subarray(1, 17);
    const view = viewTyped('int64', unaligned) as BigInt64Array;
    expect([...view]).toEqual([-1n, 42n]);
  });

  it('returns a view (no copy) when aligned', () => {
    const f = new Float32Array([1.5, -2]);
    const view = viewTyped('float32', new Uint8Array(f.buffer));
    expect(view.buffer).toBe(f.buffer);
  });
});
