import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepTop } from '../src/allocate/keep-top.js';
import { ratioWithin } from '../src/allocate/sensitivity-curves.js';
import { analyzeChannels } from '../src/analysis/channel-groups.js';
import { createPlan } from '../src/analysis/plan.js';
import { readPreprocess } from '../src/cli/data-options.js';
import { importance } from '../src/criteria/importance.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { openDataset } from '../src/data/data-spec.js';
import { buildTransforms } from '../src/data/transform-options.js';
import { sensitivity } from '../src/methods/sensitivity.js';
import { readModel } from '../src/onnx/read.js';
import { applyPlan } from '../src/surgery/apply-plan.js';
import { evaluateModel } from '../src/train/evaluate.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();
const demo = join(import.meta.dirname, '..', 'assets', 'demo');
const modelFile = join(demo, 'fmnist-resnet20.onnx');
const data = `npy:${join(demo, 'data')}`;

describe('sensitivity curves', () => {
  it('the largest ratio whose drops all stay within τ, interpolated between measured ratios', () => {
    const curve = [
      { ratio: 0.25, drop: 0.01 },
      { ratio: 0.5, drop: 0.05 },
      { ratio: 0.75, drop: 0.2 },
    ];
    expect(ratioWithin(curve, 0)).toBe(0);
    expect(ratioWithin(curve, 0.01)).toBe(0.25);
    expect(ratioWithin(curve, 0.03)).toBeCloseTo(0.375, 12);
    expect(ratioWithin(curve, 0.5)).toBe(0.75);
    let last = 0;
    for (let t = 0; t <= 0.3; t += 0.001) {
      const r = ratioWithin(curve, t);
      expect(r).toBeGreaterThanOrEqual(last);
      last = r;
    }
  });
});

describe('pare sensitivity (shipped Fashion-MNIST ResNet-20)', () => {
  it('worker evaluations equal a main-thread evaluation of the same pruned model', async () => {
    const model = readModel(modelFile);
    const test = await openDataset(data, { split: 'test' });
    const transforms = buildTransforms(readPreprocess(model), 'eval');
    const loader = () => new BatchLoader(test, { batchSize: 50, shuffle: false, transforms });
    const r = await sensitivity(model, {
      criterion: 'l1',
      ratios: [0.5],
      evaluation: loader(),
      samples: 100,
    });
    expect(r.kind).toBe('sensitivity');
    expect(r.samples).toBe(100);
    expect(r.groups.length).toBeGreaterThan(5);
    const whole = await evaluateModel(model, loader(), { limit: 100 });
    expect(r.baseline.top1).toBe(whole.top1);
    expect(r.baseline.loss).toBeCloseTo(whole.loss, 6);
    // One group by hand: l1 scores, the best half kept, surgery, main-thread ORT.
    const g = r.groups[3]!;
    const analysis = analyzeChannels(model.graph);
    const group = analysis.groups.find((x) => x.id === g.id)!;
    const scores = (await importance(model.graph, analysis, 'l1')).scores;
    const keep = keepTop(scores.get(g.id)!, group.size - Math.floor(0.5 * group.size));
    const pruned = applyPlan(model.graph, createPlan(model.graph, { [g.id]: [...keep] }), { analysis });
    const main = await evaluateModel({ ...model, graph: pruned }, loader(), { limit: 100 });
    expect(g.points[0]!.top1).toBe(main.top1);
    expect(g.points[0]!.loss).toBeCloseTo(main.loss, 6);
  }, 120_000);

  it('--recover bn re-estimates BatchNorm after each cut (one calibration loader shared by the workers)', async () => {
    const args = ['sensitivity', modelFile, '--data', data, '--samples', '100', '--ratios', '0.5', '--json'];
    const none = JSON.parse((await cli(...args)).out);
    const bn = await cli(...args, '--recover', 'bn', '--calib', data, '--calib-samples', '64');
    expect(bn.err).toBe('');
    const r = JSON.parse(bn.out);
    expect(r.recovery).toBe('bn');
    const mean = (x: { groups: { points: { top1: number }[] }[] }) =>
      x.groups.reduce((t, g) => t + g.points[0]!.top1, 0) / x.groups.length;
    // Halving the stem's channels shifts every later BN input; recalibration recovers most of it.
    expect(r.groups[0].points[0].top1).toBeGreaterThan(none.groups[0].points[0].top1 + 0.2);
    expect(mean(r)).toBeGreaterThan(mean(none));
    const missing = await cli(...args, '--recover', 'bn');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/needs calibration data \(--calib SPEC\)/);
  }, 180_000);

  it('CLI: JSON for the report; prune --allocate sensitivity meets the MACs target from it', async () => {
    const out = join(dir, 'sens.json');
    const r = await cli(
      'sensitivity',
      modelFile,
      '--data',
      data,
      '--samples',
      '100',
      '--ratios',
      '0.3,0.7',
      '--workers',
      '2',
      '-o',
      out,
      '--json',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ kind: 'sensitivity', criterion: 'l1', recovery: 'none', metric: 'top1' });
    for (const g of s.groups) {
      expect(Object.keys(g).sort()).toEqual(['channels', 'id', 'name', 'points']);
      expect(g.points.map((p: { ratio: number }) => p.ratio)).toEqual([0.3, 0.7]);
      for (const p of g.points) expect(p.top1).toBeGreaterThanOrEqual(0);
    }
    const p = await cli(
      'prune',
      modelFile,
      '-o',
      join(dir, 'p.onnx'),
      '--target',
      'macs=0.6',
      '--allocate',
      'sensitivity',
      '--sensitivity',
      out,
      '--no-latency',
      '--json',
    );
    expect(p.err).toBe('');
    const rep = JSON.parse(p.out);
    expect(rep.target.met).toBe(true);
    expect(Math.abs(rep.after.macs / rep.before.macs - 0.6)).toBeLessThanOrEqual(0.006);
    writeFileSync(join(dir, 'bad.json'), '{"kind":"other"}');
    const bad = await cli(
      'prune',
      modelFile,
      '-o',
      join(dir, 'q.onnx'),
      '--target',
      'macs=0.6',
      '--allocate',
      'sensitivity',
      '--sensitivity',
      join(dir, 'bad.json'),
      '--no-latency',
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/is not the JSON of pare sensitivity/);
  }, 180_000);
});
