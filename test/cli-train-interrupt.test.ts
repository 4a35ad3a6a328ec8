// Stopping training cleanly: trainModel stops after the step in progress when its AbortSignal fires
// (no evaluation, no epoch callback; the model and state as trained so far), and `pare train` turns
// Ctrl-C into a checkpoint, exit code 130, and a --resume that restarts the interrupted epoch. The
// interrupt is delivered in-process (cli/interrupt.ts, what main.ts's SIGINT handler calls) while the
// steps run, which also shows the event loop is not blocked by training.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interrupt } from '../src/cli/interrupt.js';
import { ArrayDataset } from '../src/data/array-dataset.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { loadCheckpointState } from '../src/train/checkpoint.js';
import { type TrainEvent, trainModel } from '../src/train/trainer.js';
import { Rng } from '../src/util/rng.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';
import { writeTwoClassModel, writeTwoClassSplit } from './helpers/two-class-data.js';

const dir = tempDir();

describe('stopping training', () => {
  it('trainModel stops after the step in progress when its signal is aborted', async () => {
    const model = buildZooModel('resnet20', { inputShape: [1, 8, 8], classes: 4 });
    const rng = new Rng(2);
    const dataset = new ArrayDataset({
      name: 'random',
      sampleShape: [1, 8, 8],
      pixels: Float32Array.from({ length: 64 * 64 }, () => rng.normal()),
      labels: Int32Array.from({ length: 64 }, (_, i) => i % 4),
      numClasses: 4,
    });
    const stop = new AbortController();
    const events: TrainEvent[] = [];
    let epochEnds = 0;
    const r = await trainModel(model, new BatchLoader(dataset, { batchSize: 8, seed: 1 }), {
      optimizer: { kind: 'sgd', momentum: 0.9 },
      lr: 0.05,
      epochs: 3,
      threads: 1,
      signal: stop.signal,
      test: new BatchLoader(dataset, { batchSize: 16, shuffle: false }),
      onEvent: (e) => {
        events.push(e);
        // in epoch 2 (0-based 1), during its third step's event
        if (e.kind === 'step' && e.epoch === 1 && e.step === 3) stop.abort();
      },
      onEpochEnd: () => {
        epochEnds++;
      },
    });
    expect(r.interrupted).toEqual({ epoch: 1, steps: 3 });
    expect(r.steps).toBe(8 + 3);
    expect(r.history.map((h) => h.epoch)).toEqual([0]);
    expect(epochEnds).toBe(1);
    expect(events.filter((e) => e.kind === 'step')).toHaveLength(11);
    // the returned model is the one trained so far, not the epoch-end snapshot
    const w = (m: typeof model) => m.graph.mustValue('fc.weight').const!.toFloat32();
    expect(w(r.model)).not.toEqual(w(model));
    expect(r.state.size).toBeGreaterThan(0);
  });

  it('pare train: Ctrl-C writes a checkpoint and exits 130; --resume restarts that epoch', async () => {
    writeTwoClassSplit(dir, 'train', 256, 1);
    writeTwoClassSplit(dir, 'test', 32, 2);
    const model = writeTwoClassModel(dir);
    const out = join(dir, 'stopped.onnx');
    const args = ['--data', `npy:${dir}`, '-o', out, '--batch', '32', '--lr', '0.05', '--threads', '1'];
    // Delivered while steps run: the timer fires because training does not block the event loop.
    const timer = setTimeout(() => interrupt(), 400);
    const r = await cli('train', model, ...args, '--epochs', '1000');
    clearTimeout(timer);
    expect(r.code).toBe(130);
    const m = /stopped in epoch (\d+) after (\d+) step/.exec(r.err);
    expect(m, r.err).not.toBeNull();
    const epoch = Number(m![1]);
    expect(epoch).toBeLessThan(1000);
    expect(existsSync(out)).toBe(true);
    expect(loadCheckpointState(out).epoch).toBe(epoch - 2); // 0-based: the last complete epoch
    const again = await cli('train', model, ...args, '--epochs', String(epoch), '--resume', '--json');
    expect(again.err).toBe('');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).history.map((h: { epoch: number }) => h.epoch)).toEqual([epoch]);
    // nothing took the interrupt after the command ended
    expect(interrupt()).toBe(false);
  });
});
