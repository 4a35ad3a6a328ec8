import { describe, expect, it } from 'vitest';
import { interleavedSessionOptions, timingSpread, UNSTEADY_SPREAD } from './latency.js';

describe('timingSpread', () => {
  it('is near 1 for steady timings and flags two modes 2× apart (a core held by other work)', () => {
    // One thread on this project's 2-core guest: ResNet-18 at 33.6–36.3 ms, one outlier.
    const steady = [33.6, 33.8, 34.1, 34.3, 34.4, 34.7, 35.4, 35.5, 35.8, 36.3, 42.6];
    expect(timingSpread(steady)).toBeCloseTo(36.3 / 33.8, 9);
    expect(timingSpread(steady)).toBeLessThanOrEqual(UNSTEADY_SPREAD);
    // Two threads on the same guest beside another session's spinning ORT workers: both threads on
    // their own core (17 ms) or sharing one (33 ms).
    const bimodal = [17.1, 17.4, 17.4, 18.2, 33.1, 33.2, 33.6, 34.0, 36.1, 36.4, 41.4, 47.3];
    expect(timingSpread(bimodal)).toBeCloseTo(41.4 / 17.4, 9);
    expect(timingSpread(bimodal)).toBeGreaterThan(UNSTEADY_SPREAD);
    expect(timingSpread([])).toBe(1);
    expect(timingSpread([5])).toBe(1);
  });
});

describe('interleavedSessionOptions', () => {
  it("turns ORT's intra-op spinning off for models timed in turn, keeping the caller's options", () => {
    const o = interleavedSessionOptions({ threads: 2, providers: ['cpu'] });
    expect(o).toMatchObject({ threads: 2, providers: ['cpu'] });
    expect(o.extra).toEqual({ extra: { session: { intra_op: { allow_spinning: '0' } } } });
    // A caller's own extra options win over the default.
    const mine = { extra: { session: { intra_op: { allow_spinning: '1' } } } };
    expect(interleavedSessionOptions({ extra: mine }).extra).toEqual(mine);
  });
});
