import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeChannels } from '../src/analysis/channel-groups.js';
import { CostModel } from '../src/analysis/cost-model.js';
import { readPreprocess } from '../src/cli/data-options.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { openDataset } from '../src/data/data-spec.js';
import { buildTransforms } from '../src/data/transform-options.js';
import { type CacpSearchOptions, cacpSearch } from '../src/methods/cacp-search.js';
import { readModel } from '../src/onnx/read.js';
import { computeCosts } from '../src/ops/costs.js';
import { Session } from '../src/runtime/session.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();
const demo = join(import.meta.dirname, '..', 'assets', 'demo');
const modelFile = join(demo, 'fmnist-resnet20.onnx');
const data = `npy:${join(demo, 'data')}`;

async function searchOptions(): Promise<CacpSearchOptions> {
  const model = readModel(modelFile);
  const transforms = buildTransforms(readPreprocess(model), 'eval');
  const test = await openDataset(data, { split: 'test' });
  const train = await openDataset(data, { split: 'train' });
  return {
    targets: [0.3, 0.5, 0.7],
    evaluation: new BatchLoader(test, { batchSize: 100, shuffle: false, transforms }),
    samples: 50,
    calibration: new BatchLoader(train, { batchSize: 64, shuffle: false, transforms }),
    calibrationSamples: 32,
    warmup: 3,
    episodes: 3,
    inferenceSamples: 1,
    agent: { hidden: 32 },
    seed: 4,
  };
}

describe('CACP conditional search (shipped Fashion-MNIST ResNet-20)', () => {
  it('one seeded search gives widths meeting every rate, answers an unseen rate, and repeats exactly', async () => {
    const model = readModel(modelFile);
    const options = await searchOptions();
    const r = await cacpSearch(model, options);
    expect(r.conditional).toBe(true);
    expect(r.episodes).toHaveLength(6);
    // Targets cycle, so each rate had two episodes of the one search.
    expect(r.episodes.map((e) => e.beta)).toEqual([0.3, 0.5, 0.7, 0.3, 0.5, 0.7]);
    expect(r.targets.map((t) => t.fraction)).toEqual([0.3, 0.5, 0.7]);
    for (const t of r.targets) {
      expect(t.met).toBe(true);
      expect(t.achieved).toBeLessThanOrEqual(t.fraction + 1e-9);
      expect(t.achieved).toBeGreaterThan(t.fraction * 0.98);
      expect(t.top1).toBeGreaterThan(0);
      expect(t.top1).toBeLessThanOrEqual(1);
    }
    // What holds: the kept MACs and the total kept channels grow with the rate (per layer they need not).
    const total = r.targets.map((t) => [...t.keep.values()].reduce((a, b) => a + b, 0));
    expect(total[0]!).toBeLessThan(total[1]!);
    expect(total[1]!).toBeLessThan(total[2]!);
    expect(r.targets[2]!.top1).toBeGreaterThanOrEqual(r.targets[0]!.top1);
    // The trained policy answers a rate it was never trained on.
    const at04 = r.policyAt(0.4);
    expect(at04.size).toBe(r.groups.length);
    const cost = CostModel.build(model.graph, analyzeChannels(model.graph));
    const kept04 = cost.predict(at04).macs / cost.base.macs;
    expect(kept04).toBeLessThanOrEqual(0.4 + 1e-9);
    expect(kept04).toBeGreaterThan(0.4 * 0.98);
    expect(r.baseline.top1).toBeGreaterThan(0.8);
    const again = await cacpSearch(model, options);
    expect(again.episodes).toEqual(r.episodes);
    expect(again.targets.map((t) => [...t.keep])).toEqual(r.targets.map((t) => [...t.keep]));
  }, 180_000);
});

describe('pare prune --method cacp', () => {
  it('writes one verified model per rate that ONNX Runtime runs, and a JSON listing them', async () => {
    const out = join(dir, 'r20.onnx');
    const r = await cli(
      'prune',
      modelFile,
      '--method',
      'cacp',
      '--targets',
      'macs=0.3,0.5,0.7',
      '--data',
      data,
      '--round-to',
      '1',
      '--search-samples',
      '50',
      '--calib-samples',
      '32',
      '--warmup',
      '2',
      '--episodes',
      '1',
      '--verify',
      '--no-latency',
      '-o',
      out,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, 'r20.cacp.json'), 'utf8'));
    expect(json.kind).toBe('cacp');
    expect(json.search.episodes).toBe(3);
    expect(json.models.map((m: { fraction: number }) => m.fraction)).toEqual([0.3, 0.5, 0.7]);
    const x = new Float32Array(2 * 28 * 28).map((_, i) => Math.sin(i));
    for (const m of json.models) {
      expect(m.file).toBe(join(dir, `r20.macs-${m.fraction}.onnx`));
      expect(existsSync(m.file)).toBe(true);
      expect(m.verified).toBe(true);
      expect(m.recovery).toBe('bn');
      const pruned = readModel(m.file);
      const macs = computeCosts(pruned.graph).macs / computeCosts(readModel(modelFile).graph).macs;
      expect(macs).toBeCloseTo(m.achieved, 9);
      expect(Math.abs(macs - m.fraction)).toBeLessThan(0.02 * m.fraction);
      // Loads in ONNX Runtime, at batch 2 (the dynamic batch survives).
      const session = await Session.create(pruned);
      const y = await session.run({ [session.inputNames[0]!]: { dims: [2, 1, 28, 28], data: x } });
      await session.release();
      expect(Object.values(y)[0]!.dims).toEqual([2, 10]);
    }
  }, 180_000);

  it('bad --targets and a missing --data are typed errors before any work', async () => {
    const out = join(dir, 'bad.onnx');
    for (const [targets, message] of [
      ['macs=0.3,1.5', /--targets 'macs=0.3,1.5': expected macs=F,F,\.\.\./],
      ['flops=0.5', /--targets 'flops=0.5'/],
      ['macs=0.5,0.5', /a rate is given twice/],
    ] as const) {
      const r = await cli(
        'prune',
        modelFile,
        '--method',
        'cacp',
        '--targets',
        targets,
        '--data',
        data,
        '-o',
        out,
      );
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
    }
    const none = await cli('prune', modelFile, '--method', 'cacp', '--targets', 'macs=0.5', '-o', out);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/--method cacp needs --data SPEC/);
    const single = await cli('prune', modelFile, '--targets', 'macs=0.5', '-o', out);
    expect(single.code).toBe(1);
    expect(single.err).toMatch(/--targets is for --method cacp/);
    expect(existsSync(out)).toBe(false);
  });
});
