import { describe, expect, it } from 'vitest';
import { nextRequest } from './latency-target.js';

const at = (requested: number, measured: number) => ({ requested, predicted: requested, measured });

describe('nextRequest (latency targets)', () => {
  it('scales the last request by goal / measured, damped to ×0.8 … ×1.25', () => {
    expect(nextRequest([at(0.5, 0.45)], 0.5)).toBeCloseTo(0.5 * (0.5 / 0.45), 12);
    expect(nextRequest([at(0.5, 0.2)], 0.5)).toBeCloseTo(0.5 * 1.25, 12);
    expect(nextRequest([at(0.5, 0.9)], 0.5)).toBeCloseTo(0.5 * 0.8, 12);
    expect(nextRequest([at(0.95, 0.5)], 0.7)).toBe(1);
  });

  it('interpolates between the closest attempts on either side of the goal', () => {
    // MobileNetV2, one thread (bench/latency.ts): 0.50 measured 0.417, 0.599 measured 0.583. The
    // proportional step asked for 0.514 next (measured 0.441); the bracket says 0.549.
    const mbv2 = [at(0.5, 0.417), at(0.599, 0.583)];
    expect(nextRequest(mbv2, 0.5)).toBeCloseTo(0.5 + (0.083 / 0.166) * 0.099, 12);
    // The closest pair wins over a farther attempt on the same side.
    expect(nextRequest([at(0.3, 0.2), ...mbv2], 0.5)).toBeCloseTo(0.5495, 12);
    // Never back onto a plan already measured: at most 90 % of the way to either end.
    expect(nextRequest([at(0.5, 0.4999), at(0.6, 0.7)], 0.5)).toBeCloseTo(0.51, 12);
    expect(nextRequest([at(0.5, 0.3), at(0.6, 0.5001)], 0.5)).toBeCloseTo(0.59, 12);
  });

  it('falls back to the damped step when noise makes the attempts disagree on the direction', () => {
    // A larger request measured faster than a smaller one: no bracket to trust.
    expect(nextRequest([at(0.6, 0.45), at(0.5, 0.55)], 0.5)).toBeCloseTo(0.5 * (0.5 / 0.55), 12);
  });
});
