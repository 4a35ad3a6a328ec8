import { describe, expect, it } from 'vitest';
import { DdpgAgent } from '../methods/cacp-agent.js';
import { Rng } from '../util/rng.js';
import { type FloatArray, Mlp } from './mlp.js';

/** Loss Σ c·output, so dL/d(output) = c. */
function loss(net: Mlp, x: Float32Array, batch: number, c: Float32Array): number {
  const y = net.forward(x, batch).output;
  let s = 0;
  for (let i = 0; i < y.length; i++) s += c[i]! * y[i]!;
  return s;
}

describe('Mlp backward (finite differences)', () => {
  for (const sigmoid of [false, true])
    it(`parameter and input gradients match central differences (${sigmoid ? 'sigmoid' : 'linear'} output)`, () => {
      const rng = new Rng(7);
      const net = new Mlp([3, 6, 5, 2], rng, { output: sigmoid ? 'sigmoid' : 'linear' });
      const batch = 4;
      const x = Float32Array.from({ length: batch * 3 }, () => rng.uniform(-2, 2));
      const c = Float32Array.from({ length: batch * 2 }, () => rng.uniform(-1, 1));
      const g = net.backward(net.forward(x, batch), c);
      const eps = 1e-3;
      let kinks = 0;
      const check = (p: FloatArray, grad: FloatArray) => {
        for (let i = 0; i < p.length; i++) {
          const old = p[i]!;
          const at = loss(net, x, batch, c);
          p[i] = old + eps;
          const right = (loss(net, x, batch, c) - at) / eps;
          p[i] = old - eps;
          const left = (at - loss(net, x, batch, c)) / eps;
          p[i] = old;
          // Central difference, except at a ReLU kink within ±eps: then one of the one-sided slopes.
          const tol = 1e-3;
          if (Math.abs(grad[i]! - (left + right) / 2) > tol) {
            kinks++;
            expect(Math.min(Math.abs(grad[i]! - left), Math.abs(grad[i]! - right))).toBeLessThan(tol);
          }
        }
      };
      net.params().forEach((p, k) => {
        check(p, g.params[k]!);
      });
      check(x, g.input);
      expect(kinks).toBeLessThan(5);
      // A parameter gradient that is not all zero (the check above would pass on a dead network).
      expect(g.params.some((p) => p.some((v) => Math.abs(v) > 1e-3))).toBe(true);
    });
});

describe('DdpgAgent', () => {
  it('learns the best action of a one-step bandit (reward 1 − 4·(a − 0.8)²)', () => {
    const agent = new DdpgAgent(2, 200, 3, { hidden: 32, actorLr: 1e-3, criticLr: 1e-2, batchSize: 32 });
    const rng = new Rng(5);
    const state = Float32Array.from([0.5, 1]);
    const before = agent.act(state);
    for (let i = 0; i < 600; i++) {
      const a = i < 100 ? rng.next() : Math.min(1, Math.max(0, agent.act(state) + 0.2 * rng.normal()));
      agent.observe({ state, action: a, reward: 1 - 4 * (a - 0.8) ** 2, next: state, done: true });
      if (i >= 100) agent.update();
    }
    const after = agent.act(state);
    expect(Math.abs(after - 0.8)).toBeLessThan(0.1);
    expect(Math.abs(after - 0.8)).toBeLessThan(Math.abs(before - 0.8));
    // The critic ranks the best action above a poor one.
    expect(agent.value(state, 0.8)).toBeGreaterThan(agent.value(state, 0.1));
  });
});
