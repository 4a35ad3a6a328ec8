import { describe, expect, it } from 'vitest';
import { ThreadTuner } from './thread-tuner.js';

/** Run `steps` steps where a step at t threads takes cost(t, step) ms for 128 images; the counts used. */
function run(tuner: ThreadTuner, steps: number, cost: (t: number, step: number) => number): number[] {
  const used: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = tuner.next();
    used.push(t);
    tuner.done(t, cost(t, i), 128, i > 0);
  }
  return used;
}

describe('ThreadTuner', () => {
  it('probes the most threads, then 1, and keeps 2 on an idle machine', () => {
    const tuner = new ThreadTuner({ max: 2, probe: 3, every: 20 });
    const used = run(tuner, 20, (t) => (t === 2 ? 300 : 550));
    expect(used.slice(0, 6)).toEqual([2, 2, 2, 1, 1, 1]);
    expect(used.slice(6)).toEqual(Array(14).fill(2));
  });

  it('drops to 1 thread when a busy core makes 2 slower, and goes back when the load ends', () => {
    const tuner = new ThreadTuner({ max: 2, probe: 3, every: 20 });
    // steps 0–39 under load (2 threads wait at barriers), idle from step 40 on
    const cost = (t: number, step: number) => (step < 40 ? (t === 2 ? 2000 : 900) : t === 2 ? 300 : 550);
    const used = run(tuner, 70, cost);
    expect(used.slice(6, 20)).toEqual(Array(14).fill(1));
    expect(used.slice(20, 26)).toEqual([2, 2, 2, 1, 1, 1]); // the next round re-measures both
    expect(used.slice(26, 40)).toEqual(Array(14).fill(1));
    expect(used.slice(46, 60)).toEqual(Array(14).fill(2));
  });

  it('never probes with one thread allowed', () => {
    expect(run(new ThreadTuner({ max: 1 }), 10, () => 100)).toEqual(Array(10).fill(1));
  });
});
