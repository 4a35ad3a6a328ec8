// The standard normal and the moments of a clipped Gaussian: FSM's closed form for the expected
// activation after ReLU (and ReLU6 = Clip(0, 6)), in float64.

const SQRT2 = Math.SQRT2;
const SQRT_PI = Math.sqrt(Math.PI);

/** Density of N(0, 1). */
export function normalPdf(x: number): number {
  return Number.isFinite(x) ? Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI) : 0;
}

/** Distribution function of N(0, 1) (relative error below 1e-10, tails included). */
export function normalCdf(x: number): number {
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  return 0.5 * erfc(-x / SQRT2);
}

/**
 * erfc(x): the all-positive series erf(x) = 2/√π·e^{-x²}·Σ 2ⁿx^{2n+1}/(1·3···(2n+1)) below 3,
 * the continued fraction e^{-x²}/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))) above.
 */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / SQRT_PI) * Math.exp(-x * x) * sum;
  }
  let f = x;
  for (let n = 60; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / SQRT_PI / f;
}

export interface Moments1 {
  readonly mean: number;
  readonly variance: number;
}

/**
 * Mean and variance of clip(z, lo, hi) for z ~ N(μ, σ²); lo/hi may be ∓Infinity (ReLU: lo 0, hi ∞).
 * With a = (lo − μ)/σ, b = (hi − μ)/σ:
 *   E[y]  = lo·Φ(a) + hi·(1 − Φ(b)) + μ·(Φ(b) − Φ(a)) + σ·(φ(a) − φ(b))
 *   E[y²] = lo²·Φ(a) + hi²·(1 − Φ(b)) + (μ² + σ²)(Φ(b) − Φ(a)) + 2μσ(φ(a) − φ(b)) + σ²(aφ(a) − bφ(b))
 */
export function clippedMoments(mu: number, sigma: number, lo: number, hi: number): Moments1 {
  if (!(sigma > 0)) {
    const y = Math.min(Math.max(mu, lo), hi);
    return { mean: y, variance: 0 };
  }
  const a = (lo - mu) / sigma;
  const b = (hi - mu) / sigma;
  const [pa, pb] = [normalCdf(a), normalCdf(b)];
  const [fa, fb] = [normalPdf(a), normalPdf(b)];
  const loPart = Number.isFinite(lo) ? lo * pa : 0;
  const hiPart = Number.isFinite(hi) ? hi * (1 - pb) : 0;
  const mid = pb - pa;
  const mean = loPart + hiPart + mu * mid + sigma * (fa - fb);
  const second =
    (Number.isFinite(lo) ? lo * lo * pa : 0) +
    (Number.isFinite(hi) ? hi * hi * (1 - pb) : 0) +
    (mu * mu + sigma * sigma) * mid +
    2 * mu * sigma * (fa - fb) +
    sigma * sigma * ((Number.isFinite(a) ? a * fa : 0) - (Number.isFinite(b) ? b * fb : 0));
  return { mean, variance: Math.max(0, second - mean * mean) };
}

/** E[max(0, z)] for z ~ N(μ, σ²) = μ·Φ(μ/σ) + σ·φ(μ/σ) (FSM's e_k with μ = β_k, σ = γ_k). */
export function reluMean(mu: number, sigma: number): number {
  return clippedMoments(mu, sigma, 0, Infinity).mean;
}
