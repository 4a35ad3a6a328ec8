import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainNet } from '#test/criteria-fixtures.js';
import { checkPlan, modelFingerprint } from '../analysis/plan.js';
import { computeCosts } from '../ops/costs.js';
import { applyPlan } from '../surgery/apply-plan.js';
import { Rng } from '../util/rng.js';
import { type AllocationTarget, allocate } from './allocate.js';

/** Scores: channel i of group g scores base[g] + i/100 (so the ranking is known). */
function ramps(ids: readonly string[], sizes: readonly number[], base: readonly number[]) {
  return new Map(
    ids.map((id, g) => [id, Float32Array.from({ length: sizes[g]! }, (_, i) => base[g]! + i / 100)]),
  );
}

describe('allocate', () => {
  const widths = [16, 10, 7];
  const { graph, analysis } = chainNet(widths);
  const ids = ['c1', 'c2', 'c3'];
  const scores = ramps(ids, widths, [1, 0, 2]);
  const kept = (r: ReturnType<typeof allocate>) =>
    ids.map((id) => r.kept.get(id)?.length ?? analysis.groups.find((g) => g.id === id)!.size);

  it('uniform: ⌊ratio·n⌋ removed per group, the best-scored kept, as a valid plan', () => {
    const r = allocate(graph, analysis, scores, { kind: 'uniform', ratio: 0.5 });
    expect(kept(r)).toEqual([8, 5, 4]);
    expect([...r.kept.get('c3')!]).toEqual([3, 4, 5, 6]);
    expect(r.plan.fingerprint).toBe(modelFingerprint(graph));
    expect(checkPlan(r.plan, graph, analysis).size).toBe(3);
    expect(r.frozen.get('fc')).toBe('blocked');
    const real = computeCosts(applyPlan(graph, r.plan, { analysis }));
    expect(r.predicted).toEqual({ macs: real.macs, params: real.params });
  });

  it('per-layer ratios by node-name pattern: first match wins, otherwise the default', () => {
    const target: AllocationTarget = {
      kind: 'layers',
      ratios: [
        { pattern: 'c1', ratio: 0.25 },
        { pattern: '/c[12]/', ratio: 0.9 },
      ],
      otherwise: 0.5,
    };
    expect(kept(allocate(graph, analysis, scores, target))).toEqual([12, 1, 4]);
  });

  it('global: the lowest normalised scores go first, across groups, within the caps', () => {
    // c2 scores 0..0.09, c1 1..1.15, c3 2..2.06; 10 of 33 channels: c2 down to its floor (2), then c1.
    const r = allocate(graph, analysis, scores, { kind: 'global', ratio: 10 / 33 }, { minChannels: 2 });
    expect(kept(r)).toEqual([14, 2, 7]);
    expect([...r.kept.get('c1')!]).toEqual([...Array(16).keys()].slice(2));
  });

  it('criterion: the widths the criterion chose, bounded by the constraints', () => {
    const keep = new Map([
      ['c1', 3],
      ['c2', 0],
    ]);
    expect(
      kept(allocate(graph, analysis, scores, { kind: 'criterion', keep }, { minChannels: 2, roundTo: 4 })),
    ).toEqual([4, 4, 7]);
  });

  it('protected and unscored groups keep everything; equal scores keep the lower index', () => {
    const flat = new Map([
      ['c1', new Float32Array(16).fill(1)],
      ['c3', new Float32Array(7).fill(1)],
    ]);
    const r = allocate(graph, analysis, flat, { kind: 'uniform', ratio: 0.5 }, { protect: ['bn3'] });
    expect([...r.kept.get('c1')!]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(r.kept.has('c2')).toBe(false);
    expect(r.kept.has('c3')).toBe(false);
    expect(Object.fromEntries(r.frozen)).toEqual({
      x: 'blocked',
      c2: 'unscored',
      c3: 'protected',
      fc: 'blocked',
    });
  });

  it('rejects ratios outside [0, 1] and scores of the wrong length', () => {
    expect(() => allocate(graph, analysis, scores, { kind: 'uniform', ratio: 30 })).toThrow(/ratio 30/);
    expect(() =>
      allocate(graph, analysis, new Map([['c1', new Float32Array(3)]]), { kind: 'uniform', ratio: 0.1 }),
    ).toThrow(/scores of group 'c1' have 3 entries, the group 16/);
    expect(() => allocate(graph, analysis, scores, { kind: 'macs', fraction: 1.5 })).toThrow(/macs=1.5/);
  });
});

describe('allocate: properties (fast-check)', () => {
  const target = fc.oneof(
    fc.record({ kind: fc.constant('uniform' as const), ratio: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.record({ kind: fc.constant('global' as const), ratio: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.record({
      kind: fc.constantFrom('macs' as const, 'params' as const),
      fraction: fc.double({ min: 0.05, max: 1, noNaN: true }),
      search: fc.constantFrom('global' as const, 'uniform' as const),
    }),
  );
  const setup = fc.record({
    widths: fc.array(fc.integer({ min: 1, max: 24 }), { minLength: 1, maxLength: 4 }),
    minChannels: fc.integer({ min: 1, max: 4 }),
    roundTo: fc.constantFrom(1, 2, 4, 8),
    maxRatio: fc.double({ min: 0, max: 1, noNaN: true }),
    protect: fc.integer({ min: 0, max: 5 }),
    seed: fc.integer({ min: 0, max: 1000 }),
    target,
  });

  it('respect minChannels, maxRatio, round-to and protection; meet the target or say why', () => {
    fc.assert(
      fc.property(setup, (s) => {
        const { graph, analysis } = chainNet(s.widths, s.seed);
        const rng = new Rng(s.seed);
        const scores = new Map(
          analysis.groups
            .filter((g) => g.blockers.length === 0)
            .map((g) => [g.id, Float32Array.from({ length: g.size }, () => Math.floor(rng.next() * 5))]),
        );
        const protect = s.protect < s.widths.length ? [`bn${s.protect + 1}`] : [];
        const r = allocate(graph, analysis, scores, s.target, { ...s, protect });
        for (const g of analysis.groups) {
          const k = r.kept.get(g.id);
          if (!k) continue;
          expect(g.blockers).toEqual([]);
          expect(protect.some((p) => g.members.some((m) => m.node === p))).toBe(false);
          expect(k.length).toBeGreaterThanOrEqual(Math.min(g.size, s.minChannels));
          expect(k.length).toBeGreaterThanOrEqual(Math.ceil(g.size * (1 - s.maxRatio) - 1e-9));
          if (g.size >= s.roundTo) expect(k.length % s.roundTo).toBe(0);
          expect([...k]).toEqual([...k].sort((a, b) => a - b));
        }
        if (s.target.kind === 'macs' || s.target.kind === 'params') {
          const t = r.target!;
          const reached = Math.abs(t.achieved - t.fraction) <= 0.01 * t.fraction;
          expect(t.met).toBe(reached);
          if (!reached) expect(t.note).toMatch(/constraints allow|closest plan found/);
          const metric = t.metric as 'macs' | 'params';
          expect(t.achieved).toBeCloseTo(r.predicted[metric] / r.base[metric], 12);
        }
      }),
      { seed: 42, numRuns: 60 },
    );
  });
});
