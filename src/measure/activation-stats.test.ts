import { describe, expect, it } from 'vitest';
import { randomBatches, tinyNet } from '#test/criteria-fixtures.js';
import { createModel } from '../ir/model.js';
import { runCapturing } from '../runtime/session.js';
import { collectActivationStats } from './activation-stats.js';

describe('collectActivationStats', () => {
  const { graph } = tinyNet();
  const model = createModel(graph);
  const batches = randomBatches('x', [2, 4, 4], 4, 3, 7);
  const requests = [
    { value: 'bn1', axis: 1 },
    { value: 'r2', axis: 1 },
    { value: 'flat', axis: 1 },
  ];

  it('streams per-channel mean, variance, mean |x| and the fraction ≤ 0 over batches', async () => {
    const stats = await collectActivationStats(model, requests, batches, { threads: 1 });
    // Oracle: everything captured at once, reduced by hand.
    const all: Record<string, number[][]> = {};
    for (const feeds of batches) {
      const out = await runCapturing(model, feeds, ['bn1', 'r2', 'flat']);
      for (const name of ['bn1', 'r2', 'flat']) {
        const t = out[name]!;
        const [n, c] = t.dims as [number, number];
        const inner = t.data.length / (n * c);
        all[name] ??= Array.from({ length: c }, () => []);
        for (let i = 0; i < t.data.length; i++)
          all[name]![Math.floor(i / inner) % c]!.push(t.data[i] as number);
      }
    }
    for (const [name, chans] of Object.entries(all)) {
      const s = stats.get(name)!;
      expect(s.count).toBe(chans[0]!.length);
      chans.forEach((xs, c) => {
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
        expect(s.mean[c]).toBeCloseTo(mean, 6);
        expect(s.variance[c]).toBeCloseTo(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length, 6);
        expect(s.meanAbs[c]).toBeCloseTo(xs.reduce((a, b) => a + Math.abs(b), 0) / xs.length, 6);
        expect(s.nonPositive[c]).toBeCloseTo(xs.filter((x) => x <= 0).length / xs.length, 12);
      });
    }
  });

  it('gives the same statistics when a tiny byte budget splits the values over several runs', async () => {
    const whole = await collectActivationStats(model, requests, batches);
    let runs = 0;
    const split = await collectActivationStats(model, requests, batches, {
      maxBytesPerRun: 1,
      onBatch: () => runs++,
    });
    expect(runs).toBe(3);
    for (const r of requests) expect([...split.get(r.value)!.mean]).toEqual([...whole.get(r.value)!.mean]);
  });

  it('refuses an empty calibration set and unknown channel counts', async () => {
    await expect(collectActivationStats(model, requests, [])).rejects.toThrow(/no calibration batches/);
    await expect(collectActivationStats(model, [{ value: 'nope', axis: 1 }], batches)).rejects.toThrow(
      /'nope'.*unknown/,
    );
  });
});
