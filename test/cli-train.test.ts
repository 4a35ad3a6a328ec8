import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/ir/builder.js';
import { createModel } from '../src/ir/model.js';
import { readModel } from '../src/onnx/read.js';
import { writeModel } from '../src/onnx/write.js';
import { reinitializeModel } from '../src/train/reinit.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';
import { writeTwoClassModel, writeTwoClassSplit } from './helpers/two-class-data.js';

const dir = tempDir();

describe('pare train / eval', () => {
  writeTwoClassSplit(dir, 'train', 256, 1);
  writeTwoClassSplit(dir, 'test', 64, 2);
  const model = writeTwoClassModel(dir);
  const out = join(dir, 'trained.onnx');

  it('trains a small CNN to high accuracy, writes a checkpoint, and eval agrees', async () => {
    const r = await cli(
      'train',
      model,
      '--data',
      `npy:${dir}`,
      '-o',
      out,
      '--epochs',
      '3',
      '--batch',
      '32',
      '--lr',
      '0.05',
      '--normalize',
      '0.5,0.25',
      '--json',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary.history).toHaveLength(3);
    expect(summary.test_acc).toBeGreaterThanOrEqual(0.9);
    expect(summary.train_img_s).toBeGreaterThan(0);
    expect(existsSync(`${out}.train`)).toBe(true);
    // The normalisation was recorded in the model: eval needs no --normalize to agree.
    const e = await cli('eval', out, '--data', `npy:${dir}`, '--json');
    expect(e.code).toBe(0);
    expect(JSON.parse(e.out).top1).toBeCloseTo(summary.test_acc, 6);
  });

  it('resumes from the checkpoint at the next epoch', async () => {
    const r = await cli(
      'train',
      model,
      '--data',
      `npy:${dir}`,
      '-o',
      out,
      '--epochs',
      '4',
      '--batch',
      '32',
      '--lr',
      '0.05',
      '--resume',
      '--json',
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary.history.map((h: { epoch: number }) => h.epoch)).toEqual([4]);
  });

  it('--reinit starts from new seeded weights of the same architecture', async () => {
    const fresh = join(dir, 'fresh.onnx');
    const r = await cli(
      'train',
      out,
      '--data',
      `npy:${dir}`,
      '-o',
      fresh,
      '--reinit',
      '--seed',
      '5',
      '--steps',
      '1',
      '--batch',
      '32',
      '--lr',
      '0',
      '--json',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).reinit.reset).toBeGreaterThan(0);
    // lr 0: the written weights are the fresh draw itself, not the trained ones.
    const w = (file: string) => readModel(file).graph.mustValue('conv.weight').const!.toFloat32();
    const drawn = reinitializeModel(readModel(out), { seed: 5 }).model.graph.mustValue('conv.weight').const!;
    expect(w(fresh)).toEqual(drawn.toFloat32());
    expect(w(fresh)).not.toEqual(w(out));
  });

  it('trains a BN-folded model with a BN put back and folded on export; distils features', async () => {
    const b = new GraphBuilder({ seed: 4 });
    const x = b.input('input', ['N', 1, 8, 8]);
    const h = b.relu(b.conv(x, { out: 4, kernel: 3, pad: 1, bias: true, name: 'conv' }), 'stage');
    b.output(b.gemm(b.flatten(b.maxPool(h, { kernel: 2 })), 2, { name: 'fc' }));
    const folded = join(dir, 'folded.onnx');
    writeModel(createModel(b.build()), folded);
    const target = join(dir, 'folded-trained.onnx');
    const args = ['--data', `npy:${dir}`, '-o', target, '--steps', '3', '--batch', '32', '--json'];
    const r = await cli('train', folded, ...args, '--teacher', folded, '--kd-features', 'auto');
    expect(r.err).toBe('');
    const summary = JSON.parse(r.out);
    expect(summary.unfolded_bn).toEqual(['conv']);
    expect(summary.kd_features.map((f: { student: string }) => f.student)).toEqual(['stage', 'maxpool1']);
    expect(readModel(target).graph.nodes.map((n) => n.opType)).toEqual([
      'Conv',
      'Relu',
      'MaxPool',
      'Flatten',
      'Gemm',
    ]);
    const off = JSON.parse((await cli('train', folded, ...args, '--no-unfold-bn')).out);
    expect(off.unfolded_bn).toEqual([]);
  });

  it('refuses data whose images do not fit the model input, naming both', async () => {
    const r = await cli('eval', model, '--data', 'idx:/nonexistent-folder');
    expect(r.code).toBe(1);
    expect(r.err).toContain('/nonexistent-folder');
  });
});
