// `pare compress --method aip` on the oneDNN engine (where its adversarial term runs): a 2-epoch
// adversarial run on a small ResNet-20 whose losses must stay finite and bounded (the stability
// criterion below), every loss term logged separately, and aip / ucp end to end on a small VGG-16
// (verified cut, loads in ONNX Runtime). Skipped with the reason when the addon is not built; the
// ORT-side fallback (adversarial term skipped, with its reason) runs everywhere.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchLoader } from '../src/data/batch-loader.js';
import type { Model } from '../src/ir/model.js';
import { compressModel } from '../src/methods/compress.js';
import { compressRecipe } from '../src/methods/compress-recipes.js';
import type { CompressOptions } from '../src/methods/compress-types.js';
import { dnnlUnavailable, loadDnnl } from '../src/runtime/dnnl.js';
import { Session } from '../src/runtime/session.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { dataset, type Fixture, fixtures, tinyData } from './compress-fixtures.js';
import { interruptedRun, maxDiff } from './helpers/compress-runs.js';
import { tempDir } from './helpers/tmp.js';

const addon = loadDnnl(1);
const skip = addon ? '' : ` (skipped: ${dnnlUnavailable()})`;
const ln2 = Math.log(2);

function data(f: Pick<Fixture, 'shape' | 'classes'>, n: number) {
  const ds = dataset(f.shape, f.classes, n);
  return {
    train: new BatchLoader(ds, { batchSize: 16, seed: 1 }),
    calibration: new BatchLoader(ds, { batchSize: 16, shuffle: false }),
    test: new BatchLoader(ds, { batchSize: 64, shuffle: false }),
  } satisfies Pick<CompressOptions, 'train' | 'calibration' | 'test'>;
}

async function loadsInOrt(f: Pick<Fixture, 'shape'>, model: Model) {
  const s = await Session.create({ ...model, path: undefined });
  const input = model.graph.feedInputs[0]!.name;
  const out = await s.run({
    [input]: { dims: [2, ...f.shape], data: new Float32Array(2 * f.shape[0] * f.shape[1] * f.shape[2]) },
  });
  await s.release();
  return Object.values(out)[0]!.dims;
}

describe(`pare compress --method aip${skip}`, () => {
  it.skipIf(!addon)(
    'a 2-epoch adversarial run stays stable (ResNet-20, 1×8×8, dnnl)',
    async () => {
      const f = fixtures()[0]!;
      const steps: Record<string, number>[] = [];
      const r = await compressModel(f.model, {
        recipe: { ...compressRecipe('aip'), calibrationSamples: 32 },
        target: { kind: 'macs', fraction: 0.6 },
        ...data(f, 256),
        epochs: 2,
        engine: 'dnnl',
        threads: 1,
        onEvent: (e) => {
          if (e.kind === 'train' && e.event.kind === 'step' && e.event.terms)
            steps.push({ ...e.event.terms });
        },
      });
      expect(r.engine).toBe('dnnl');
      expect(r.adversarialSkipped).toBeUndefined();
      expect(r.verify?.passed).toBe(true);
      expect(steps.length).toBe(32);
      // Stability criterion: every step's discriminator loss (mean BCE over teacher and student logits;
      // ln 2 at chance, → ∞ when D is confidently wrong) and the student's BCE against D (→ ∞ when D has
      // won) stay finite and below 3·ln 2, and neither epoch mean exceeds the other's by 2×.
      for (const s of steps) {
        expect(Number.isFinite(s.discriminator) && Number.isFinite(s.adversarial)).toBe(true);
        expect(s.discriminator).toBeLessThan(3 * ln2);
        expect(s.adversarial).toBeLessThan(3 * ln2);
      }
      const mean = (key: string, from: number, to: number) =>
        steps.slice(from, to).reduce((a, s) => a + s[key]!, 0) / (to - from);
      for (const key of ['discriminator', 'adversarial', 'task']) {
        const ratio = mean(key, 16, 32) / mean(key, 0, 16);
        expect(ratio, key).toBeLessThan(2);
        expect(ratio, key).toBeGreaterThan(0.5);
      }
      // The game ran: the student's term was on after its warm-up, and D learnt on some steps.
      expect(steps.filter((s) => s.adversarialOn === 1).length).toBeGreaterThan(20);
      expect(steps.some((s) => s.discriminatorUpdated === 1)).toBe(true);
      // Each term logged separately in the stages (epoch and final).
      const logged = r.stages.filter((s) => s.losses);
      expect(logged.map((s) => s.kind)).toEqual(['epoch', 'final']);
      for (const key of ['task', 'kd', 'features', 'adversarial', 'discriminator', 'hook', 'total'])
        expect(Number.isFinite(logged[1]!.losses![key]), key).toBe(true);
      expect(logged[1]!.losses!.features).toBeGreaterThan(0);
      // The prune events report the global k each cut amounts to.
      expect(r.stages.filter((s) => s.kind === 'prune').map((s) => s.criterion)).toEqual([
        expect.stringMatching(/^aip k=\d/),
        expect.stringMatching(/^aip k=\d/),
      ]);
    },
    60_000,
  );

  // Runs on every machine: on the dnnl engine where the addon is built (adversarial term on), else ORT.
  for (const method of ['aip', 'ucp'] as const)
    it(`${method} on a VGG-16 (1×8×8, 4 classes)`, async () => {
      const model = buildZooModel('vgg16', { inputShape: [1, 8, 8], classes: 4, seed: 3 });
      const f = { shape: [1, 8, 8] as const, classes: 4 };
      const d = data(f, 32);
      const r = await compressModel(model, {
        recipe: { ...compressRecipe(method), calibrationSamples: 16 },
        target: { kind: 'macs', fraction: 0.6 },
        train: d.train,
        calibration: d.calibration,
        epochs: 1,
        engine: 'auto',
        threads: 1,
      });
      expect(r.verify?.passed).toBe(true);
      if (addon) expect(r.engine).toBe('dnnl');
      expect(r.after.macs / r.before.macs).toBeLessThan(0.7);
      expect(await loadsInOrt(f, r.model)).toEqual([2, 4]);
    }, 60_000);

  it('on ONNX Runtime the adversarial term is skipped with its reason, the rest runs', async () => {
    const f = fixtures()[1]!;
    const r = await compressModel(f.model, {
      recipe: { ...compressRecipe('aip'), calibrationSamples: 16 },
      target: { kind: 'macs', fraction: 0.6 },
      ...tinyData(f),
      epochs: 1,
      engine: 'standard',
    });
    expect(r.adversarialSkipped).toMatch(/ONNX Runtime engine runs the loss inside its step graph/);
    expect(r.verify?.passed).toBe(true);
    expect(r.stages.at(-1)!.losses?.total).toBeGreaterThan(0);
  }, 60_000);

  it('refuses --no-teacher (it learns from the original)', async () => {
    const f = fixtures()[0]!;
    const base = {
      recipe: compressRecipe('aip'),
      target: { kind: 'macs', fraction: 0.6 },
      ...tinyData(f),
      engine: 'standard',
    } as const;
    await expect(compressModel(f.model, { ...base, teacher: false })).rejects.toThrow(/needs the teacher/);
  });

  it.skipIf(!addon)(
    'a run aborted mid-epoch and resumed (discriminator from the checkpoint) equals the uninterrupted one',
    async () => {
      const f = fixtures()[0]!;
      const dir = tempDir();
      const options = (): CompressOptions => ({
        recipe: { ...compressRecipe('aip'), calibrationSamples: 16 },
        target: { kind: 'macs', fraction: 0.6 },
        ...data(f, 64),
        epochs: 3,
        engine: 'dnnl',
        threads: 1,
      });
      const whole = await compressModel(f.model, { ...options(), checkpoint: { dir: join(dir, 'whole') } });
      expect(whole.adversarialSkipped).toBeUndefined();
      // Into the third epoch (4 steps each): the adversarial term is on, D has been trained.
      await interruptedRun(f.model, options(), join(dir, 'cut'), 10);
      let resumedAt = -1;
      const resumed = await compressModel(f.model, {
        ...options(),
        checkpoint: { dir: join(dir, 'cut'), resume: true },
        onEvent: (e) => {
          if (e.kind === 'resumed') resumedAt = e.chunk;
        },
      });
      expect(resumedAt).toBe(2);
      expect(resumed.stages.map((s) => [s.kind, s.chunk, s.widths, s.losses])).toEqual(
        whole.stages.map((s) => [s.kind, s.chunk, s.widths, s.losses]),
      );
      expect(resumed.stages.at(-1)!.losses?.adversarialOn).toBeGreaterThan(0);
      expect(maxDiff(resumed.model, whole.model)).toBe(0);
      // Without the discriminator's file the checkpoint is refused, not resumed with a fresh D.
      rmSync(join(dir, 'cut', 'discriminator.f64'));
      await expect(
        compressModel(f.model, { ...options(), checkpoint: { dir: join(dir, 'cut'), resume: true } }),
      ).rejects.toThrow(/no discriminator state/);
    },
    120_000,
  );
});
