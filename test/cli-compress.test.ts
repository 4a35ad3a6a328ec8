import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/main.js';
import { encodeNpy } from '../src/data/npy-codec.js';
import { readModel } from '../src/onnx/read.js';
import { writeModel } from '../src/onnx/write.js';
import { computeCosts } from '../src/ops/costs.js';
import { Session } from '../src/runtime/session.js';
import { Rng } from '../src/util/rng.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();
const model = join(dir, 'r20.onnx');
writeModel(buildZooModel('resnet20', { inputShape: [1, 8, 8], classes: 4, seed: 1 }), model);
for (const [split, n] of [
  ['train', 32],
  ['test', 16],
] as const) {
  const rng = new Rng(split === 'train' ? 4 : 5);
  const y = Uint8Array.from({ length: n }, (_, i) => i % 4);
  const x = Uint8Array.from({ length: n * 64 }, (_, i) =>
    Math.min(255, rng.int(128) + y[Math.floor(i / 64)]! * 40),
  );
  writeFileSync(join(dir, `x_${split}.npy`), encodeNpy([n, 1, 8, 8], x));
  writeFileSync(join(dir, `y_${split}.npy`), encodeNpy([n], y));
}

async function cli(...args: string[]) {
  const io = memoryIO();
  const code = await run(['node', 'pare', ...args], io);
  return { code, out: io.stdout, err: io.stderr.join('\n') };
}

describe('pare compress (CLI)', () => {
  it('--json streams NDJSON events, then the report; model, plan and report are written', async () => {
    const out = join(dir, 'r20-sfp.onnx');
    const r = await cli(
      'compress',
      model,
      '-o',
      out,
      '--method',
      'sfp',
      '--target',
      'macs=0.6',
      '--data',
      `npy:${dir}`,
      '--epochs',
      '2',
      '--batch',
      '16',
      '--json',
      '--no-latency',
      '--engine',
      'standard',
      '--plan-out',
      join(dir, 'plan.json'),
      '--report',
      join(dir, 'report.json'),
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const events = r.out.map((l) => JSON.parse(l));
    expect(events.some((e) => e.kind === 'train')).toBe(true);
    expect(events.some((e) => e.kind === 'checkpoint')).toBe(true);
    const report = events.at(-1).report;
    expect(report.method).toBe('sfp');
    expect(report.verify.passed).toBe(true);
    expect(report.engine).toBe('standard');
    // sfp soft-prunes for the first half (one event, after epoch 1), then fine-tunes the cut.
    expect(report.stages.map((s: { kind: string }) => s.kind)).toEqual(['prune', 'epoch', 'final']);
    expect(computeCosts(readModel(out).graph).macs).toBe(report.after.macs);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).after.macs).toBe(report.after.macs);
    expect(existsSync(join(dir, 'plan.json'))).toBe(true);
    expect(existsSync(`${out}.ckpt/compress.json`)).toBe(true);
    const s = await Session.create(readModel(out));
    await s.release();
    // --resume of a finished run replays nothing and writes the same model.
    const again = await cli(
      'compress',
      model,
      '-o',
      out,
      '--method',
      'sfp',
      '--target',
      'macs=0.6',
      '--data',
      `npy:${dir}`,
      '--epochs',
      '2',
      '--batch',
      '16',
      '--json',
      '--engine',
      'standard',
      '--resume',
    );
    expect(again.code).toBe(0);
    const rerun = JSON.parse(again.out.at(-1)!).report;
    expect(rerun.accuracy).toBe(report.accuracy);
    // Without --no-latency the report carries the interleaved measurement, steadiness included.
    expect(rerun.latency).toMatchObject({ batch: 1, providers: ['cpu'] });
    expect(rerun.after.latencyMs).toBe(rerun.latency.afterMs);
    expect(rerun.latency.slower).toBe(rerun.latency.ratio >= 1);
    expect(rerun.latency.steady).toBe(rerun.latency.spread <= 1.5);
    expect(again.err.includes('latency timings varied')).toBe(!rerun.latency.steady);
  }, 60_000);

  it('a bad recipe file is a clear error naming the field (exit 1)', async () => {
    const recipe = join(dir, 'bad.yaml');
    writeFileSync(recipe, 'name: x\ntitle: y\nschedule: sometimes\ncriteria: [{ name: l1 }]\n');
    const r = await cli(
      'compress',
      model,
      '-o',
      join(dir, 'x.onnx'),
      '--recipe',
      recipe,
      '--target',
      'macs=0.5',
      '--data',
      `npy:${dir}`,
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/schedule/);
    const r2 = await cli(
      'compress',
      model,
      '-o',
      join(dir, 'x.onnx'),
      '--method',
      'nope',
      '--target',
      'macs=0.5',
      '--data',
      `npy:${dir}`,
    );
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/group-fisher/);
  });

  it('--kd-alpha weighs the distillation term (recorded in the report); with --no-teacher it is refused', async () => {
    const args = [
      'compress',
      model,
      '--method',
      'l1-oneshot',
      '--target',
      'macs=0.6',
      '--data',
      `npy:${dir}`,
    ];
    const common = ['--epochs', '1', '--batch', '16', '--json', '--no-latency', '--engine', 'standard'];
    const losses: number[][] = [];
    for (const alpha of ['0.25', '1']) {
      const r = await cli(...args, '-o', join(dir, `kd-${alpha}.onnx`), ...common, '--kd-alpha', alpha);
      expect(r.code).toBe(0);
      const events = r.out.map((l) => JSON.parse(l));
      expect(events.at(-1).report.recipe.train.distillation).toEqual({
        alpha: Number(alpha),
        temperature: 4,
      });
      losses.push(
        events.filter((e) => e.kind === 'train' && e.event.kind === 'epoch').map((e) => e.event.trainLoss),
      );
    }
    // The same seed and data: a different weight trains on a different loss.
    expect(losses[0]!.length).toBeGreaterThan(0);
    expect(losses[0]).not.toEqual(losses[1]);
    const both = await cli(...args, '-o', join(dir, 'x.onnx'), '--kd-alpha', '0.5', '--no-teacher');
    expect(both.code).toBe(1);
    expect(both.err).toMatch(/--kd-alpha weighs the distillation that --no-teacher turns off/);
    const bad = await cli(...args, '-o', join(dir, 'x.onnx'), '--kd-alpha', '1.5');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--kd-alpha/);
  }, 60_000);

  it('prune --criterion fisher and taylor read labelled calibration data', async () => {
    for (const criterion of ['taylor', 'fisher']) {
      const r = await cli(
        'prune',
        model,
        '-o',
        join(dir, `p-${criterion}.onnx`),
        '--criterion',
        criterion,
        '--target',
        'macs=0.5',
        '--calib',
        `npy:${dir}`,
        '--calib-samples',
        '16',
        '--verify',
        '--no-latency',
        '--json',
      );
      expect(r.err).toBe('');
      expect(JSON.parse(r.out[0]!).verify.passed).toBe(true);
    }
  });
});
