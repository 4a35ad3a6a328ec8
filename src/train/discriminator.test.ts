// The host discriminator's backward against central finite differences (parameters and input, LeakyReLU
// on both sides of zero), its Adam step against torch.optim.Adam's first step, BCE-with-logits against
// its definition, and the adversarial game: the student's logits gradient against finite differences
// of weight·BCE(D(z), 1), the gate, and the warm-up / toggle schedule.

import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { AdversarialGame } from './adversarial-game.js';
import { bceWithLogits, Discriminator } from './discriminator.js';

const seed = 7;

function loss(d: Discriminator, x: Float64Array, n: number, target: number): number {
  return bceWithLogits(d.forward(x, n).output, target, new Float64Array(n));
}

function randomInput(n: number, k: number, s = seed): Float64Array {
  const rng = new Rng(s);
  return Float64Array.from({ length: n * k }, () => rng.uniform(-3, 3));
}

describe(`host discriminator (seed ${seed})`, () => {
  const n = 3;
  const k = 4;
  const d = new Discriminator(k, { hidden: [5, 7], slope: 0.1, seed });
  const x = randomInput(n, k);
  const h = 1e-6;

  it('parameter gradients match central finite differences', () => {
    const pass = d.forward(x, n);
    const g = new Float64Array(n);
    bceWithLogits(pass.output, 1, g);
    d.zeroGrad();
    d.backward(pass, g, true);
    let worst = 0;
    let negatives = 0;
    for (const [k, p] of d.net.params().entries()) {
      const grad = d.grads[k]!;
      for (let i = 0; i < p.length; i++) {
        const v = p[i]!;
        p[i] = v + h;
        const up = loss(d, x, n, 1);
        p[i] = v - h;
        const down = loss(d, x, n, 1);
        p[i] = v;
        const fd = (up - down) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - grad[i]!) / Math.max(1e-4, Math.abs(fd)));
      }
    }
    // Hidden activations (LeakyReLU outputs, negative exactly where their pre-activation is).
    for (const z of pass.inputs.slice(1)) for (const v of z) if (v < 0) negatives++;
    expect(negatives).toBeGreaterThan(0); // the LeakyReLU's negative side is exercised
    expect(worst).toBeLessThan(1e-5);
  });

  it('the input gradient matches central finite differences', () => {
    const pass = d.forward(x, n);
    const g = new Float64Array(n);
    bceWithLogits(pass.output, 0, g, 0.3);
    const dx = d.backward(pass, g, false);
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      x[i] = v + h;
      const up = 0.3 * loss(d, x, n, 0);
      x[i] = v - h;
      const down = 0.3 * loss(d, x, n, 0);
      x[i] = v;
      const fd = (up - down) / (2 * h);
      expect(Math.abs(fd - dx[i]!)).toBeLessThan(1e-7 + 1e-5 * Math.abs(fd));
    }
  });

  it("Adam's first step moves every parameter by lr·sign(g + wd·p) (m̂/√v̂ = ±1)", () => {
    const e = new Discriminator(k, { hidden: [3], lr: 1e-3, weightDecay: 0.1, seed });
    const pass = e.forward(x, n);
    const g = new Float64Array(n);
    bceWithLogits(pass.output, 1, g);
    e.zeroGrad();
    e.backward(pass, g, true);
    const before = e.net.layers.map((l, li) => ({ w: l.w.slice(), gw: e.grads[2 * li]!.slice() }));
    e.adamStep();
    e.net.layers.forEach((l, li) => {
      const b = before[li]!;
      for (let i = 0; i < l.w.length; i++) {
        const gi = b.gw[i]! + 0.1 * b.w[i]!;
        expect(l.w[i]! - b.w[i]!).toBeCloseTo(-1e-3 * Math.sign(gi), 8);
      }
    });
  });

  it('BCE with logits is −t·log σ(z) − (1 − t)·log(1 − σ(z)), stable at large |z|', () => {
    const z = Float64Array.of(-800, -2, 0, 3, 800);
    const g = new Float64Array(5);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const mid = [-2, 0, 3].map((v) => -Math.log(sig(v)));
    const l = bceWithLogits(z, 1, g);
    expect(l).toBeCloseTo((800 + mid.reduce((a, b) => a + b, 0) + 0) / 5, 10);
    expect(g[0]).toBeCloseTo(-1 / 5, 12);
    expect(g[4]).toBeCloseTo(0, 12);
    expect(g[2]).toBeCloseTo(-0.5 / 5, 12);
  });
});

describe(`adversarial game (seed ${seed})`, () => {
  const n = 4;
  const k = 3;
  const labels = Int32Array.from({ length: n }, (_, i) => i % k);
  const logits = Float32Array.from(randomInput(n, k, 1));
  const teacher = Float32Array.from(randomInput(n, k, 2));

  it("adds weight·∂BCE(D(z), 1)/∂z to the student's logits gradient (D as updated this step)", () => {
    const game = new AdversarialGame(k, { weight: 0.2, gate: 0, discriminator: { hidden: [6, 5], seed } });
    const dlogits = Float32Array.from({ length: n * k }, () => 0.5);
    const r = game.hook({ logits, teacher, labels, n, k, step: 1 }, dlogits);
    expect(r.terms?.discriminatorUpdated).toBe(1);
    expect(r.terms?.adversarialOn).toBe(1);
    const z = Float64Array.from(logits);
    const h = 1e-5;
    for (let i = 0; i < z.length; i++) {
      const v = z[i]!;
      z[i] = v + h;
      const up = 0.2 * loss(game.d, z, n, 1);
      z[i] = v - h;
      const down = 0.2 * loss(game.d, z, n, 1);
      z[i] = v;
      // The gradient is added to what was there (0.5): the other losses' gradient is kept.
      expect(dlogits[i]! - 0.5).toBeCloseTo((up - down) / (2 * h), 6);
    }
    expect(r.loss).toBeCloseTo(0.2 * loss(game.d, z, n, 1), 6);
  });

  it('updates D only while its loss is above the gate', () => {
    const frozen = new AdversarialGame(k, { gate: 100, discriminator: { seed } });
    const w = frozen.d.net.layers[0]!.w.slice();
    const r = frozen.hook({ logits, teacher, labels, n, k, step: 1 }, new Float32Array(n * k));
    expect(r.terms?.discriminatorUpdated).toBe(0);
    expect(frozen.d.net.layers[0]!.w).toEqual(w);
    const open = new AdversarialGame(k, { gate: 0, discriminator: { seed } });
    open.hook({ logits, teacher, labels, n, k, step: 1 }, new Float32Array(n * k));
    expect(open.d.net.layers[0]!.w).not.toEqual(w);
  });

  it('the student term waits `warmup` steps after each prune, then toggles every `cycle` steps', () => {
    const game = new AdversarialGame(k, { warmup: 2, cycle: 3 });
    const on = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => (game.active(from + i) ? 1 : 0)).join('');
    expect(on(1, 12)).toBe('001110001110');
    game.restart(20);
    expect(on(20, 26)).toBe('0011100');
    const off = new AdversarialGame(k, { warmup: 2, cycle: 3 });
    const dlogits = new Float32Array(n * k);
    const r = off.hook({ logits, teacher, labels, n, k, step: 1 }, dlogits);
    expect(r.loss).toBe(0);
    expect(dlogits.every((v) => v === 0)).toBe(true);
    expect(new AdversarialGame(k, { cycle: 0 }).active(1)).toBe(true);
  });

  it('logs the task cross-entropy and T²·KL beside the game', () => {
    const game = new AdversarialGame(k, { temperature: 1 });
    const same = game.hook({ logits, teacher: logits, labels, n, k, step: 1 }, new Float32Array(n * k));
    expect(same.terms?.kd).toBeCloseTo(0, 12);
    expect(same.terms?.task).toBeGreaterThan(0);
  });
});
