// Issue 10's acceptance line: a `pare zoo` model trains with KD, attention transfer, Adam and channel
// masks on the oneDNN engine, chosen by `--engine auto`, with no fallback. Masks are not a CLI flag (the
// pruning methods set them), so that part goes through trainModel. Skipped (with the reason) when the
// addon is not built.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTrainingGraph } from '../src/autodiff/training-graph.js';
import { initialState } from '../src/autodiff/training-state.js';
import { ArrayDataset } from '../src/data/array-dataset.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { readModel } from '../src/onnx/read.js';
import { dnnlUnavailable, loadDnnl } from '../src/runtime/dnnl.js';
import { trainModel } from '../src/train/trainer.js';
import { Rng } from '../src/util/rng.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';
import { writeTwoClassSplit } from './helpers/two-class-data.js';

const addon = loadDnnl();
const skipReason = addon ? '' : ` (skipped: ${dnnlUnavailable()})`;
const dir = tempDir();

describe.skipIf(!addon)(`pare train on the dnnl engine${skipReason}`, () => {
  it('a zoo ResNet-20 with KD, attention transfer and Adam runs on dnnl, no fallback', async () => {
    writeTwoClassSplit(dir, 'train', 64, 1);
    writeTwoClassSplit(dir, 'test', 32, 2);
    const student = join(dir, 'student.onnx');
    const teacher = join(dir, 'teacher.onnx');
    const zoo = ['resnet20', '--input-shape', '1x8x8', '--classes', '2'];
    expect((await cli('zoo', ...zoo, '-o', student)).code).toBe(0);
    expect((await cli('zoo', ...zoo, '--seed', '1', '-o', teacher)).code).toBe(0);
    const out = join(dir, 'trained.onnx');
    const r = await cli(
      'train',
      student,
      '--data',
      `npy:${dir}`,
      '-o',
      out,
      '--teacher',
      teacher,
      '--kd-features',
      'auto',
      '--kd-feature-loss',
      'attention',
      '--optimizer',
      'adam',
      '--lr',
      '0.001',
      '--steps',
      '3',
      '--batch',
      '16',
      '--threads',
      '1',
      '--json',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary.engine).toBe('dnnl');
    expect(summary.dnnl_fallback).toBeUndefined();
    expect(summary.steps).toBe(3);
    // the three stage outputs of ResNet-20 (8×8, 4×4, 2×2)
    expect(summary.kd_features).toHaveLength(3);
    expect(Number.isFinite(summary.history[0].trainLoss)).toBe(true);
    // the weights moved (Adam's first step moves every parameter with a gradient by about lr)
    const before = readModel(student).graph.mustValue('conv1.weight').const!.toFloat32();
    const after = readModel(out).graph.mustValue('conv1.weight').const!.toFloat32();
    expect(after).not.toEqual(before);
  });

  it('channel masks with KD and AdamW through trainModel run on dnnl and keep masked channels at 0', async () => {
    const model = buildZooModel('resnet20', { inputShape: [1, 8, 8], classes: 4 });
    const teacher = buildZooModel('resnet20', { inputShape: [1, 8, 8], classes: 4, seed: 2 });
    const rng = new Rng(4);
    const dataset = new ArrayDataset({
      name: 'random',
      sampleShape: [1, 8, 8],
      pixels: Float32Array.from({ length: 32 * 64 }, () => rng.normal()),
      labels: Int32Array.from({ length: 32 }, (_, i) => i % 4),
      numClasses: 4,
    });
    const masked = ['layer1.0.conv1.weight', 'layer1.0.bn1.weight', 'layer1.0.bn1.bias'];
    const options = {
      optimizer: { kind: 'adamw', weightDecay: 1e-2 } as const,
      masked,
      loss: { distillation: { temperature: 4, alpha: 0.9 } },
    };
    // Start with every third channel masked: the state map trainModel resumes from.
    const tg = buildTrainingGraph(model, options);
    const state = initialState(tg);
    for (const m of tg.masks)
      state.set(m.input, {
        dims: [m.channels],
        data: Float32Array.from({ length: m.channels }, (_, i) => (i % 3 === 0 ? 0 : 1)),
      });
    const r = await trainModel(model, new BatchLoader(dataset, { batchSize: 16, seed: 1 }), {
      ...options,
      lr: 0.01,
      epochs: 1,
      threads: 1,
      teacher,
      featureDistillation: { pairs: 'auto', loss: 'attention' },
      resume: { state, epoch: 0 },
    });
    expect(r.engine).toBe('dnnl');
    expect(r.dnnlFallback).toBeUndefined();
    expect(r.steps).toBe(2);
    const w = r.model.graph.mustValue('layer1.0.conv1.weight').const!;
    const per = w.size / w.dims[0]!;
    const values = w.toFloat32();
    for (let c = 0; c < w.dims[0]!; c++) {
      const row = values.subarray(c * per, (c + 1) * per);
      if (c % 3 === 0) expect(row.every((v) => v === 0)).toBe(true);
      else expect(row.some((v) => v !== 0)).toBe(true);
    }
    const gamma = r.model.graph.mustValue('layer1.0.bn1.weight').const!.toFloat32();
    for (let c = 0; c < gamma.length; c += 3) expect(gamma[c]).toBe(0);
  });
});
