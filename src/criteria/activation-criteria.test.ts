import { describe, expect, it } from 'vitest';
import { randomBatches, setWeight, tinyNet } from '#test/criteria-fixtures.js';
import { createModel } from '../ir/model.js';
import { runCapturing } from '../runtime/session.js';
import { activationRequests, importance, importanceWithCalibration } from './importance.js';

describe('activation-mean and apoz', () => {
  const { graph, analysis } = tinyNet();
  // c1 filter 0 passes x0, filter 1 passes −x0 (always ≤ 0 after ReLU: x ∈ [0, 1)), filter 2 x0 − x1.
  setWeight(graph, 'c1.weight', [1, 0, -1, 0, 1, -1]);
  const model = createModel(graph);
  const batches = randomBatches('x', [2, 4, 4], 4, 2, 3);

  it('measure what the consumers read: the ReLU output of c1 (for c2), the flattened GAP (for fc)', () => {
    expect(activationRequests(graph, analysis, 'apoz')).toEqual([
      { value: 'r1', axis: 1 },
      { value: 'flat', axis: 1 },
    ]);
  });

  it('score E|x| and 1 − fraction of zeros per channel', async () => {
    const mean = await importanceWithCalibration(model, analysis, 'activation-mean', {
      batches,
      normalize: 'none',
    });
    const apoz = await importanceWithCalibration(model, analysis, 'apoz', { batches });
    const xs: number[][] = [[], [], []];
    for (const feeds of batches) {
      const r1 = (await runCapturing(model, feeds, ['r1'])).r1!.data as Float32Array;
      r1.forEach((v, i) => {
        xs[Math.floor(i / 16) % 3]!.push(v);
      });
    }
    const m = mean.scores.get('c1')!;
    const a = apoz.scores.get('c1')!;
    xs.forEach((v, c) => {
      expect(m[c]).toBeCloseTo(v.reduce((p, q) => p + q, 0) / v.length, 5);
      expect(a[c]).toBeCloseTo(v.filter((x) => x > 0).length / v.length, 6);
    });
    expect(a[1]).toBe(0);
    expect(a[0]).toBeGreaterThan(0.9);
  });

  it('need calibration data', async () => {
    await expect(importanceWithCalibration(model, analysis, 'apoz')).rejects.toThrow(
      /needs calibration data/,
    );
    const none = await importance(graph, analysis, 'activation-mean');
    expect(none.scores.size).toBe(0);
    expect(none.skipped.get('c1')).toMatch(/'r1' was not measured/);
  });

  it('aip keeps, per group, the channels whose ℓ1 activation is at least k × the mean (the width is its own)', async () => {
    const mean = await importanceWithCalibration(model, analysis, 'activation-mean', {
      batches,
      normalize: 'none',
    });
    const aip = await importanceWithCalibration(model, analysis, 'aip', { batches });
    const m = mean.scores.get('c1')!;
    expect([...aip.scores.get('c1')!]).toEqual([...m]);
    // Channel 1 is never positive after the ReLU: it alone falls under 0.2 × the mean.
    const avg = (m[0]! + m[1]! + m[2]!) / 3;
    const expected = [...m].filter((x) => x >= 0.2 * avg).length;
    expect(aip.suggestedKeep?.get('c1')).toBe(expected);
    expect(expected).toBe(2);
    const strict = await importanceWithCalibration(model, analysis, 'aip', {
      batches,
      options: { k: 1.5 },
    });
    expect(strict.suggestedKeep?.get('c1')).toBe([...m].filter((x) => x >= 1.5 * avg).length || 1);
  });
});
