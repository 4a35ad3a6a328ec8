import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneModel } from '../src/methods/prune.js';
import { readModel } from '../src/onnx/read.js';
import { writeModel } from '../src/onnx/write.js';
import { nchwcBlock } from '../src/runtime/nchwc-block.js';
import { Session } from '../src/runtime/session.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();
const cache = join(dir, 'cache');
// The MACs-target tests time the same layers: their own cache, so the latency-target test measures.
const macsCache = join(dir, 'cache-macs');
// A dynamic batch ('N'), as PyTorch exports with dynamic_axes.
const model = join(dir, 'r20.onnx');
writeModel(buildZooModel('resnet20', { inputShape: [3, 32, 32], classes: 10, seed: 1 }), model);

async function runAtBatch(file: string, batch: number) {
  const s = await Session.create(readModel(file), { threads: 1 });
  try {
    const r = await s.run({
      [s.inputNames[0]!]: { dims: [batch, 3, 32, 32], data: new Float32Array(batch * 3 * 32 * 32) },
    });
    return Object.values(r)[0]!.dims;
  } finally {
    await s.release();
  }
}

describe('pare prune: shapes, alignment and latency', () => {
  it('--input-shape informs the analysis only: the written model keeps its dynamic batch (runs at 16)', async () => {
    expect(readModel(model).graph.feedInputs[0]!.shape).toEqual(['N', 3, 32, 32]);
    const out = join(dir, 'dyn.onnx');
    const r = await cli(
      'prune',
      model,
      '-o',
      out,
      '--input-shape',
      '1x3x32x32',
      '--target',
      'macs=0.5',
      '--no-latency',
    );
    expect(r.code).toBe(0);
    const written = readModel(out).graph;
    expect(written.feedInputs[0]!.shape).toEqual(['N', 3, 32, 32]);
    expect(written.outputs[0]!.shape).toEqual(['N', 10]);
    expect(await runAtBatch(out, 16)).toEqual([16, 10]);

    const fixed = join(dir, 'fixed.onnx');
    const f = await cli(
      'prune',
      model,
      '-o',
      fixed,
      '--input-shape',
      '1x3x32x32',
      '--ratio',
      '0.3',
      '--fix-shape',
      '--no-latency',
    );
    expect(f.code).toBe(0);
    expect(readModel(fixed).graph.feedInputs[0]!.shape).toEqual([1, 3, 32, 32]);
    await expect(runAtBatch(fixed, 16)).rejects.toThrow(/ONNX Runtime failed/);
  }, 60_000);

  it("--round-to auto (the default) is ORT's NCHWc block on this CPU; --round-to 1 turns it off", async () => {
    const block = await nchwcBlock();
    expect([1, 8, 16]).toContain(block);
    const r = await cli(
      'prune',
      model,
      '-o',
      join(dir, 'auto.onnx'),
      '--target',
      'macs=0.5',
      '--no-latency',
      '--json',
    );
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.roundTo).toEqual({ value: block, auto: true });
    for (const g of rep.groups)
      if (g.channels >= block && g.kept < g.channels) expect(g.kept % block).toBe(0);
    const off = JSON.parse(
      (
        await cli(
          'prune',
          model,
          '-o',
          join(dir, 'off.onnx'),
          '--target',
          'macs=0.5',
          '--round-to',
          '1',
          '--no-latency',
          '--json',
        )
      ).out,
    );
    expect(off.roundTo).toEqual({ value: 1, auto: false });
    expect(
      off.groups.some((g: { kept: number; channels: number }) => g.kept < g.channels && g.kept % 8 !== 0),
    ).toBe(true);
  }, 60_000);

  it('measures original against pruned at the stated batch and says loudly when the result is slower', async () => {
    const r = await cli(
      'prune',
      model,
      '-o',
      join(dir, 'lat.onnx'),
      '--ratio',
      '0.5',
      '--latency-batch',
      '4',
      '--threads',
      '1',
      '--json',
    );
    expect(r.code).toBe(0);
    const lat = JSON.parse(r.out).latency;
    expect(lat).toMatchObject({ batch: 4, threads: 1, providers: ['cpu'] });
    expect(lat.beforeMs).toBeGreaterThan(0);
    expect(lat.slower).toBe(lat.ratio >= 1);
    if (lat.slower) expect(r.err).toMatch(/warning: the pruned model is SLOWER/);
    else expect(r.err).not.toMatch(/SLOWER/);
    // Unsteady timings (shared cores) are flagged, with the spread that made them so.
    expect(lat.spread).toBeGreaterThanOrEqual(1);
    expect(lat.steady).toBe(lat.spread <= 1.5);
    if (lat.steady) expect(r.err).not.toMatch(/latency timings varied/);
    else expect(r.err).toMatch(/note: latency timings varied .*× between runs .*--threads 1/);
    // --ratio is not a MACs target: no note comparing the two.
    expect(r.err).not.toMatch(/of the MACs but/);
  }, 60_000);

  it('a MACs target whose latency did not follow says so, and points at --target latency=F', async () => {
    const r = await cli(
      'prune',
      model,
      '-o',
      join(dir, 'macs-lat.onnx'),
      '--target',
      'macs=0.5',
      '--threads',
      '1',
      '--latency-cache',
      macsCache,
      '--json',
    );
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out);
    const lat = rep.latency;
    const kept = rep.after.macs / rep.before.macs;
    expect(kept).toBeGreaterThan(0.3);
    expect(kept).toBeLessThan(0.7);
    const lagging = lat.steady && !lat.slower && lat.ratio > kept / 0.9;
    expect(/of the MACs but .* of the latency .*--target latency=F/.test(r.err)).toBe(lagging);
  }, 60_000);

  it('a MACs target weighs the per-layer table (latency-aware); --no-latency-aware ranks by score alone', async () => {
    const args = ['--target', 'macs=0.5', '--threads', '1', '--latency-cache', macsCache];
    const r = await cli('prune', model, '-o', join(dir, 'aware.onnx'), ...args);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /latency-aware cut \(layer time per MAC weighed, w [\d.]+\): predicted latency .*by score alone; measured/,
    );
    const rep = JSON.parse((await cli('prune', model, '-o', join(dir, 'aware.onnx'), ...args, '--json')).out);
    const aware = rep.latencyAware;
    expect(aware.ladder.map((t: { weight: number }) => t.weight)).toEqual([0, 0.25, 0.5, 1, 2, 4]);
    expect(aware.ladder[0].predicted).toBe(aware.predictedByScore);
    expect(aware.predicted).toBeLessThanOrEqual(aware.predictedByScore);
    expect(rep.target.met).toBe(true);
    // The report compares the table's prediction for the chosen plan with the measured ratio.
    expect(rep.latency.predictedRatio).toBe(aware.predicted);
    expect(rep.latency.table.source).toBe('cache');
    const plain = JSON.parse(
      (await cli('prune', model, '-o', join(dir, 'plain.onnx'), ...args, '--no-latency-aware', '--json')).out,
    );
    expect(plain.latencyAware).toBeUndefined();
    expect(plain.latency.predictedRatio).toBeUndefined();
    // The plain plan is the ladder's weight 0: the same MACs.
    expect(plain.after.macs / plain.before.macs).toBeCloseTo(aware.ladder[0].achieved, 9);
    // An execution provider this ORT does not know is refused before any work, with the known ones.
    const bad = await cli('prune', model, '-o', join(dir, 'x.onnx'), ...args, '--ep', 'nope');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/execution provider 'nope' is not one this ONNX Runtime knows/);
    expect(bad.err).toMatch(/known: cpu/);
    expect(existsSync(join(dir, 'x.onnx'))).toBe(false);
    // A table that cannot be timed (the library takes any provider name) says how to do without it.
    const table = pruneModel(readModel(model), {
      target: { kind: 'macs', fraction: 0.5 },
      latency: { providers: ['nope'], threads: 1 },
    });
    await expect(table).rejects.toThrow(/timing the layers for a latency-aware MACs target: .*nope/);
    await expect(table).rejects.toMatchObject({
      notes: expect.arrayContaining([expect.stringMatching(/--no-latency-aware/)]),
    });
  }, 120_000);

  it('--target latency=F cuts on the per-layer table, measures, reports predicted against measured, caches the table', async () => {
    const args = ['--target', 'latency=0.6', '--threads', '1', '--latency-cache', cache, '--json'];
    const r = await cli('prune', model, '-o', join(dir, 'l60.onnx'), ...args);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lat = JSON.parse(r.out).latency;
    expect(lat.goal).toBe(0.6);
    expect(lat.table.source).toBe('measured');
    expect(existsSync(lat.table.file)).toBe(true);
    expect(lat.attempts.length).toBeGreaterThanOrEqual(1);
    expect(lat.attempts.length).toBeLessThanOrEqual(4);
    expect(lat.attempts.map((a: { measured: number }) => a.measured)).toContain(lat.ratio);
    expect(lat.predictedRatio).toBeGreaterThan(0);
    expect(lat.predictedMs).toBeCloseTo(lat.predictedRatio * lat.beforeMs, 9);
    expect(lat.ratio).toBeLessThan(1);
    expect(lat.met).toBe(Math.abs(lat.ratio - 0.6) <= 0.03 * 0.6);
    // The report's layer rows carry the table's per-layer prediction; their sums are the predicted ratio.
    const layers = (JSON.parse(r.out).layers ?? []).filter(
      (l: { latencyMsBefore?: number }) => l.latencyMsBefore !== undefined,
    );
    expect(layers.length).toBe(lat.table.layers);
    const sum = (k: string) => layers.reduce((t: number, l: Record<string, number>) => t + l[k]!, 0);
    expect(sum('latencyMsAfter') / sum('latencyMsBefore')).toBeCloseTo(lat.predictedRatio, 9);
    expect(layers.some((l: Record<string, number>) => l.latencyMsAfter! < l.latencyMsBefore!)).toBe(true);
    const again = JSON.parse((await cli('prune', model, '-o', join(dir, 'l60b.onnx'), ...args)).out).latency;
    expect(again.table.source).toBe('cache');
    expect(again.table.file).toBe(lat.table.file);
  }, 120_000);

  it('latency targets: a goal above the original and --no-latency are clear errors', async () => {
    const slow = await cli(
      'prune',
      model,
      '-o',
      join(dir, 'x.onnx'),
      '--target',
      'latency-ms=100000',
      '--threads',
      '1',
      '--latency-cache',
      cache,
    );
    expect(slow.code).toBe(1);
    expect(slow.err).toMatch(/latency target: 100000 ms is .* of the original's latency/);
    const none = await cli(
      'prune',
      model,
      '-o',
      join(dir, 'x.onnx'),
      '--target',
      'latency=0.5',
      '--no-latency',
    );
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/drop --no-latency/);
  }, 60_000);
});
