import { describe, expect, it } from 'vitest';
import { clippedMoments, erfc, normalCdf, reluMean } from './gaussian.js';

/** ∫ f(x)·pdf(x) dx over [a, b] by composite Simpson with n (even) intervals. */
function integrate(f: (x: number) => number, mu: number, sigma: number, a: number, b: number, n = 20000) {
  const pdf = (x: number) => Math.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
  const h = (b - a) / n;
  let s = f(a) * pdf(a) + f(b) * pdf(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h) * pdf(a + i * h);
  return (s * h) / 3;
}

describe('normal distribution', () => {
  it('erfc matches reference values over the series and continued-fraction ranges', () => {
    const ref: [number, number][] = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      // Python's math.erfc (C library) on both sides of the switch at 3.
      [2.99, 2.3525603080640195e-5],
      [3, 2.2090496998585438e-5],
      [3.01, 2.073896363713263e-5],
      [4, 1.541725790028002e-8],
      [5, 1.5374597944280351e-12],
      [-1, 1.842700792949715],
    ];
    for (const [x, y] of ref) expect(erfc(x) / y).toBeCloseTo(1, 10);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.9599639845400536)).toBeCloseTo(0.975, 14);
  });

  it('E[ReLU(N(μ, σ²))] equals the integral of x·pdf over x > 0', () => {
    for (const [mu, sigma] of [
      [0, 1],
      [0.7, 0.3],
      [-1.2, 0.8],
      [2, 0.1],
      [-3, 1],
    ] as const) {
      const expected = integrate((x) => x, mu, sigma, 0, mu + 12 * sigma);
      expect(reluMean(mu, sigma)).toBeCloseTo(expected, 10);
    }
    // μ = 0: σ/√(2π)
    expect(reluMean(0, 2)).toBeCloseTo(2 / Math.sqrt(2 * Math.PI), 14);
    // σ = 0: the point mass max(μ, 0)
    expect(reluMean(-1, 0)).toBe(0);
    expect(reluMean(1.5, 0)).toBe(1.5);
  });

  it('clip(z, 0, 6) moments equal the integrals (ReLU6)', () => {
    for (const [mu, sigma] of [
      [1, 2],
      [5, 1.5],
      [-0.5, 0.5],
    ] as const) {
      const clip = (x: number) => Math.min(Math.max(x, 0), 6);
      const lo = mu - 12 * sigma;
      const hi = mu + 12 * sigma;
      const m1 = integrate(clip, mu, sigma, lo, hi, 40000);
      const m2 = integrate((x) => clip(x) ** 2, mu, sigma, lo, hi, 40000);
      const r = clippedMoments(mu, sigma, 0, 6);
      expect(r.mean).toBeCloseTo(m1, 7);
      expect(r.variance).toBeCloseTo(m2 - m1 * m1, 6);
    }
  });

  it('an unbounded clip is the identity on the moments', () => {
    const r = clippedMoments(0.3, 1.7, -Infinity, Infinity);
    expect(r.mean).toBeCloseTo(0.3, 14);
    expect(r.variance).toBeCloseTo(1.7 ** 2, 13);
  });
});
