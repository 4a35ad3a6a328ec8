// --report FILE.json|FILE.html on prune and train, and `pare report RUN.json… -o FILE.html`: the run
// record's fields, the page built from real runs, and the errors for bad paths and bad records.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/ir/builder.js';
import { createModel } from '../src/ir/model.js';
import { writeModel } from '../src/onnx/write.js';
import { parseRunRecord } from '../src/report/run-record.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';
import { writeTwoClassSplit } from './helpers/two-class-data.js';

const dir = tempDir();

writeTwoClassSplit(dir, 'train', 128, 1);
writeTwoClassSplit(dir, 'test', 64, 2);
const model = join(dir, 'model.onnx');
{
  const b = new GraphBuilder({ seed: 3 });
  const x = b.input('input', ['N', 1, 8, 8]);
  const h1 = b.relu(b.batchNorm(b.conv(x, { out: 8, kernel: 3, pad: 1, name: 'conv1' }), { name: 'bn1' }));
  const h2 = b.relu(b.batchNorm(b.conv(h1, { out: 8, kernel: 3, pad: 1, name: 'conv2' }), { name: 'bn2' }));
  b.output(b.gemm(b.flatten(b.maxPool(h2, { kernel: 2 })), 2, { name: 'fc' }));
  writeModel(createModel(b.build()), model);
}
const data = `npy:${dir}`;

describe('--report and pare report', () => {
  const prunedJson = join(dir, 'pruned.json');
  const tunedJson = join(dir, 'tuned.json');

  it('prune --report FILE.json: the run record, scoring and data preprocessing named apart', async () => {
    const out = join(dir, 'pruned.onnx');
    const args = [
      'prune',
      model,
      '-o',
      out,
      '--ratio',
      '0.5',
      '--eval-data',
      data,
      '--normalize',
      '0.5,0.25',
    ];
    const r = await cli(...args, '--no-latency', '--report', prunedJson);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rec = parseRunRecord(readFileSync(prunedJson, 'utf8'), prunedJson);
    expect([rec.format, rec.version, rec.kind]).toEqual(['pare.run', 1, 'prune']);
    expect(rec.command).toBe(`pare ${[...args.slice(0)].join(' ')} --no-latency --report ${prunedJson}`);
    expect(rec.scoring).toEqual({ reduce: 'mean', scoreNormalization: 'mean' });
    expect('normalize' in rec).toBe(false);
    expect(rec.preprocess).toEqual({ normalize: { mean: [0.5], std: [0.25] } });
    expect(rec.accuracyData).toBe(data);
    // The untrained model guesses; both accuracies are measured on the 64 test images.
    for (const a of [rec.before!.accuracy!, rec.after!.accuracy!])
      expect(a * 64).toBeCloseTo(Math.round(a * 64), 9);
    expect(rec.layers!.map((l) => [l.name, l.widthBefore, l.widthAfter])).toEqual([
      ['conv1', 8, 4],
      ['conv2', 8, 4],
      ['fc', 2, 2],
    ]);
    const conv2 = rec.layers![1]!;
    expect(conv2.macsAfter / conv2.macsBefore).toBeCloseTo(0.25, 9); // half the inputs, half the outputs
    expect(rec.groups!.find((g) => g.id === 'fc')!.blockers![0]).toMatch(/graph output/);
  });

  it('train --report FILE.json: accuracy before training, the curves, and the sizes', async () => {
    const out = join(dir, 'tuned.onnx');
    const r = await cli(
      'train',
      join(dir, 'pruned.onnx'),
      '--data',
      data,
      '-o',
      out,
      '--epochs',
      '2',
      '--batch',
      '32',
      '--lr',
      '0.05',
      '--normalize',
      '0.5,0.25',
      '--report',
      tunedJson,
      '--json',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    const rec = parseRunRecord(readFileSync(tunedJson, 'utf8'), tunedJson);
    expect(rec.kind).toBe('train');
    expect(rec.history!.map((h) => h.epoch)).toEqual([1, 2]);
    expect(rec.after!.accuracy).toBe(summary.test_acc);
    // Where training started is where pruning ended: same model, data and preprocessing.
    const pruned = parseRunRecord(readFileSync(prunedJson, 'utf8'), prunedJson);
    expect(rec.before!.accuracy).toBe(pruned.after!.accuracy);
    expect(rec.preprocess).toEqual({ normalize: { mean: [0.5], std: [0.25] } });
    expect(rec.before!.macs).toBe(rec.after!.macs);
  });

  it('pare report: one page from both runs, with the comparison; --report FILE.html directly', async () => {
    const page = join(dir, 'both.html');
    const r = await cli('report', prunedJson, tunedJson, '-o', page, '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).runs.map((x: { charts: string[] }) => x.charts)).toEqual([
      ['layers'],
      ['layers', 'training'],
    ]);
    const html = readFileSync(page, 'utf8');
    expect(html).toContain('2 runs compared');
    for (const chart of ['data-chart="tradeoff" data-run="all"', 'data-chart="layers" data-run="0"'])
      expect(html).toContain(chart);
    expect(html).toContain('data-chart="training" data-run="1"');
    const direct = join(dir, 'direct.html');
    const p = await cli(
      'prune',
      model,
      '-o',
      join(dir, 'p2.onnx'),
      '--ratio',
      '0.25',
      '--no-latency',
      '--report',
      direct,
    );
    expect(p.code).toBe(0);
    expect(readFileSync(direct, 'utf8')).toMatch(
      /^<!doctype html>[\s\S]*data-chart="layers"[\s\S]*<\/html>\n$/,
    );
  });

  it('refuses a report name without .json or .html before any work, and bad run records', async () => {
    const out = join(dir, 'never.onnx');
    const r = await cli('prune', model, '-o', out, '--ratio', '0.5', '--report', join(dir, 'r.txt'));
    expect(r.code).toBe(1);
    expect(r.err).toContain("--report '");
    expect(r.err).toContain('use .json (the run record) or .html (the report page)');
    expect(existsSync(out)).toBe(false);
    const missing = await cli('report', join(dir, 'nope.json'), '-o', join(dir, 'x.html'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`run record '${join(dir, 'nope.json')}' does not exist`);
    writeFileSync(join(dir, 'other.json'), '{"format": "something-else"}');
    const other = await cli('report', join(dir, 'other.json'), '-o', join(dir, 'x.html'));
    expect(other.code).toBe(1);
    expect(other.err).toContain(`run record '${join(dir, 'other.json')}': format: `);
    const json = await cli('report', prunedJson, '-o', join(dir, 'x.json'));
    expect(json.code).toBe(1);
    expect(json.err).toContain('name it FILE.html');
  });
});
