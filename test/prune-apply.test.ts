// The library side of `pare analyze --json` and `pare apply --verify`: JSON that round-trips,
// costs before/predicted/after, and the proof recorded in the pruned model's metadata.

import { describe, expect, it } from 'vitest';
import { analysisToJson } from '../src/analysis/analysis-json.js';
import { analyzeChannels } from '../src/analysis/channel-groups.js';
import { createPlan } from '../src/analysis/plan.js';
import { createModel } from '../src/ir/model.js';
import { applyPlanToModel } from '../src/methods/apply-plan-to-model.js';
import { decodeModel } from '../src/onnx/read.js';
import { encodeModel } from '../src/onnx/write.js';
import { verifyPlan } from '../src/surgery/verify.js';
import { concatNet, flattenNet } from './prune-fixtures.js';

describe('analysis JSON', () => {
  it('lists groups with members, compact positions, costs and blockers', () => {
    const g = flattenNet();
    const json = analysisToJson(g, analyzeChannels(g));
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    const c1 = json.groups.find((x) => x.id === 'c1')!;
    expect(c1).toMatchObject({ channels: 4, prunable: true, blockers: [] });
    expect(c1.members.find((m) => m.node === 'fc1')).toEqual({
      kind: 'in',
      node: 'fc1',
      opType: 'Gemm',
      weights: [{ input: 1, axis: 1 }],
      block: 16,
      positions: { start: 0, end: 64 },
    });
    // One channel of c1: its 3·3·3 filter (no bias), 2 BN parameters, 16 columns of fc1.
    expect(c1.paramsPerChannel).toBe(27 + 2 + 16 * 6);
    // Conv MACs (3·3·3 per output pixel, 16 pixels) + fc1 (16 columns × 6 outputs) + BN/ReLU share.
    expect(c1.macsPerChannel).toBeGreaterThanOrEqual(27 * 16 + 16 * 6);
    expect(json.groups.at(-1)).toMatchObject({
      id: 'fc2',
      prunable: false,
      blockers: ["feeds graph output 'fc2'"],
    });
  });
});

describe('applyPlanToModel', () => {
  it('prunes, proves, records the proof; the written model reads back and still passes', async () => {
    const g = concatNet();
    const model = createModel(g);
    const plan = createPlan(g, { c2: [0, 5], c4: [1, 2, 3, 7], c1: [3] });
    const r = await applyPlanToModel(model, plan, { verify: true, seed: 3 });
    expect(r.verification?.passed).toBe(true);
    expect(r.after).toEqual(r.predicted);
    expect(r.after.macs).toBeLessThan(r.before.macs);
    expect(JSON.parse(r.model.metadata.get('pare.verify')!)).toMatchObject({ passed: true, seed: 3 });
    const back = decodeModel(encodeModel(r.model));
    expect(back.metadata.get('pare.plan.fingerprint')).toBe(plan.fingerprint);
    const again = await verifyPlan(model, plan, { pruned: back.graph, seed: 4 });
    expect(again.passed).toBe(true);
  });
});
