// One fixture per channel pattern: the groups are asserted exactly (members, blocks, blockers,
// index maps where they matter), and a random plan on each passes the masked-model oracle in ORT
// with MACs and parameters equal to the prediction.

import { describe, expect, it } from 'vitest';
import { analyzeChannels } from '../src/analysis/channel-groups.js';
import { createPlan } from '../src/analysis/plan.js';
import type { Graph } from '../src/ir/graph.js';
import { applyPlan } from '../src/surgery/apply-plan.js';
import * as fx from './prune-fixtures.js';

const input = (id: string, users: string) => `${id} ×3: ${users} | channels of graph input '${id}'`;
const fc = "fc ×5: out fc | feeds graph output 'fc'";

const cases: [string, () => Graph, string[]][] = [
  [
    'concat (nested, offsets per input)',
    fx.concatNet,
    [
      input('x', 'in c1, in c5'),
      'c1 ×4: out c1, param c1.bn, in c2, in c3',
      'c2 ×6: out c2, param c2.bn, in c4',
      'c3 ×5: out c3, param c3.bn, in c4',
      'c5 ×3: out c5, param c5.bn, in c4',
      'c4 ×8: out c4, param c4.bn, in fc',
      fc,
    ],
  ],
  [
    'grouped conv (whole conv groups) and depthwise with multiplier 2',
    fx.groupedNet,
    [
      input('x', 'in c1'),
      'c1 ×2: out c1[4], param c1.bn[4], out gc[4], param gc.bn[4], in c2[4]',
      'c2 ×4: out c2, param c2.bn, out dw[2], param dw.bn[2], in c3[2]',
      'c3 ×6: out c3, param c3.bn, in fc',
      fc,
    ],
  ],
  [
    'channel shuffle couples channel b of every shuffle group',
    fx.shuffleNet,
    [
      input('x', 'in c1, in c2'),
      'c1 ×4: out c1, param c1.bn, out c2, param c2.bn, in c3[2]',
      'c3 ×6: out c3, param c3.bn, in fc',
      fc,
    ],
  ],
  [
    'SE block couples the gate with the gated tensor',
    fx.seNet,
    [
      input('x', 'in c1'),
      'c1 ×8: out c1, param c1.bn, in se.fc1, out se.fc2, in c2',
      'se.fc1 ×2: out se.fc1, in se.fc2',
      'c2 ×6: out c2, param c2.bn, in fc',
      fc,
    ],
  ],
  [
    'flatten → linear: channel c owns H·W columns',
    fx.flattenNet,
    [
      input('x', 'in c1'),
      'c1 ×4: out c1, param c1.bn, in fc1[16]',
      'fc1 ×6: out fc1, in fc2',
      "fc2 ×3: out fc2 | feeds graph output 'fc2'",
    ],
  ],
  [
    'NHWC flatten: channel c owns every C-th column',
    fx.nhwcFlattenNet,
    [input('x', 'in c1'), 'c1 ×4: out c1, param c1.bn, in fc[4]', "fc ×3: out fc | feeds graph output 'fc'"],
  ],
  [
    'Split and Slice cut one producer into groups',
    fx.splitSliceNet,
    [
      input('x', 'in c1'),
      'c1@0 ×2: out c1, param c1.bn, in c2',
      'c1@2 ×1: out c1, param c1.bn, in c2, in c4',
      'c1@3 ×3: out c1, param c1.bn, in c3, in c4',
      'c1@6 ×2: out c1, param c1.bn, in c3',
      'c2 ×4: out c2, param c2.bn, out c3, param c3.bn, out c4, param c4.bn, in fc',
      fc,
    ],
  ],
  [
    'residual Add / Max / Mul couple their operands',
    fx.residualNet,
    [
      input('x', 'in c1'),
      'c1 ×6: out c1, param c1.bn, in c2, out c2, param c2.bn, in c3, out c3, param c3.bn, in c4, out c4, param c4.bn, in c5',
      'c5 ×4: out c5, param c5.bn, in fc',
      fc,
    ],
  ],
  [
    'exported activations pass channels through',
    fx.activationNet,
    [input('x', 'in c1'), 'c1 ×6: out c1, in c2', 'c2 ×5: out c2, in c3', 'c3 ×4: out c3, in fc', fc],
  ],
  [
    'blockers name the node',
    fx.blockerNet,
    [
      input('x', 'in c1'),
      "c1 ×4: out c1, param c1.bn | LRN 'lrn' has no channel rule (pare does not know how it treats channels)",
      "c2 ×4: out c2, param c2.bn | Softmax 'softmax' normalises across channels",
      "c3 ×4: out c3, param c3.bn, in c4 | Reshape 'mix' splits the channel axis ([N, 4, 8, 8] → [N, 2, 128])",
      "c4 ×2: out c4 | feeds graph output 'c4'",
    ],
  ],
];

describe('channel groups per pattern', () => {
  for (const [name, make, expected] of cases) {
    it(`${name}: groups`, () => {
      expect(fx.summarize(analyzeChannels(make()))).toEqual(expected);
    });
    it(`${name}: a random plan is proven by the oracle, costs as predicted`, async () => {
      const graph = make();
      const proof = await fx.prove(graph, 0.5);
      const prunable = analyzeChannels(graph).groups.some((g) => g.blockers.length === 0 && g.size > 1);
      expect(proof.removed > 0).toBe(prunable);
      expect(proof.verify.passed, JSON.stringify(proof.verify)).toBe(true);
      expect(proof.actual).toEqual(proof.predicted);
    });
  }
});

describe('index maps', () => {
  const member = (g: Graph, id: string, node: string) =>
    analyzeChannels(g)
      .groups.find((x) => x.id === id)!
      .members.find((m) => m.node === node && m.kind !== 'out')!;

  it('concat: each input lands at its offset in the consumer', () => {
    const g = fx.concatNet();
    expect([...member(g, 'c3', 'c4').indexMap]).toEqual([6, 7, 8, 9, 10]);
    expect([...member(g, 'c5', 'c4').indexMap]).toEqual([11, 12, 13]);
  });

  it('flatten: channel 1 owns columns 16..31; NHWC: channel 1 owns 1, 5, 9, 13', () => {
    expect([...member(fx.flattenNet(), 'c1', 'fc1').indexMap.subarray(16, 32)]).toEqual(
      Array.from({ length: 16 }, (_, i) => 16 + i),
    );
    expect([...member(fx.nhwcFlattenNet(), 'c1', 'fc').indexMap.subarray(4, 8)]).toEqual([1, 5, 9, 13]);
  });

  it('shuffle: channel b reaches shuffled positions 2b and 2b+1', () => {
    expect([...member(fx.shuffleNet(), 'c1', 'c3').indexMap]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const g = fx.shuffleNet();
    const pruned = applyPlan(g, createPlan(g, { c1: [1, 3] }));
    const targets = ['shuffle.reshape1', 'shuffle.reshape2'].map((n) =>
      pruned.node(n)!.input(1)!.const!.toNumbers(),
    );
    expect(targets).toEqual([
      [0, 2, -1, 8, 8],
      [0, -1, 8, 8],
    ]);
  });
});

describe('blocked groups', () => {
  it('a plan that prunes a blocked group is refused, naming the blocker', () => {
    const g = fx.blockerNet();
    expect(() => applyPlan(g, createPlan(g, { c1: [0, 1] }))).toThrow(
      "plan: group 'c1' cannot be pruned: LRN 'lrn' has no channel rule",
    );
  });

  it('removing every channel is refused; the minimum is configurable', () => {
    const g = fx.seNet();
    expect(() => applyPlan(g, createPlan(g, { c1: [] }))).toThrow(
      "group 'c1' keeps 0 of 8 channels; at least 1 must stay",
    );
    expect(() => applyPlan(g, createPlan(g, { c1: [0, 1] }), { minChannels: 4 })).toThrow(
      "group 'c1' keeps 2 of 8 channels; at least 4 must stay",
    );
  });
});
