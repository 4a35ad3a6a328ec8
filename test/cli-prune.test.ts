import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { criterionNames } from '../src/criteria/registry.js';
import { encodeNpy } from '../src/data/npy-codec.js';
import { readModel } from '../src/onnx/read.js';
import { writeModel } from '../src/onnx/write.js';
import { computeCosts } from '../src/ops/costs.js';
import { Rng } from '../src/util/rng.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();
const model = join(dir, 'r20.onnx');
writeModel(buildZooModel('resnet20', { inputShape: [3, 32, 32], classes: 10, seed: 1 }), model);
{
  const rng = new Rng(4);
  const n = 48;
  const x = Uint8Array.from({ length: n * 3 * 32 * 32 }, () => rng.int(256));
  writeFileSync(join(dir, 'x_train.npy'), encodeNpy([n, 3, 32, 32], x));
  writeFileSync(
    join(dir, 'y_train.npy'),
    encodeNpy(
      [n],
      Uint8Array.from({ length: n }, (_, i) => i % 10),
    ),
  );
}

describe('pare prune', () => {
  for (const criterion of criterionNames) {
    it(`${criterion}: lands on macs=0.5 within ±1 % and passes --verify`, async () => {
      const out = join(dir, `r20-${criterion}.onnx`);
      const r = await cli(
        'prune',
        model,
        '-o',
        out,
        '--criterion',
        criterion,
        '--target',
        'macs=0.5',
        '--verify',
        '--calib',
        `npy:${dir}`,
        '--calib-samples',
        '32',
        '--no-latency',
        '--json',
      );
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.out);
      expect(Number.isInteger(report.before.params) && Number.isInteger(report.after.macs)).toBe(true);
      expect(Math.abs(report.after.macs / report.before.macs - 0.5)).toBeLessThanOrEqual(0.005);
      expect(report.verify.passed).toBe(true);
      expect(computeCosts(readModel(out).graph).macs).toBe(report.after.macs);
    });
  }

  it('--round-to 8 keeps widths that are multiples of 8; the plan re-applies to the same model', async () => {
    const out = join(dir, 'r20-r8.onnx');
    const plan = join(dir, 'plan.json');
    const r = await cli(
      'prune',
      model,
      '-o',
      out,
      '--criterion',
      'fpgm',
      '--ratio',
      '0.5',
      '--round-to',
      '8',
      '--plan-out',
      plan,
      '--no-latency',
      '--json',
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    for (const g of report.groups) if (g.channels >= 8 && !g.frozen) expect(g.kept % 8, g.id).toBe(0);
    const again = await cli('apply', model, plan, '-o', join(dir, 'again.onnx'), '--verify', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).after).toEqual({ params: report.after.params, macs: report.after.macs });
  });

  it('refuses a malformed target and an activation criterion without data, with hints', async () => {
    const bad = await cli('prune', model, '-o', join(dir, 'x.onnx'), '--target', 'flops=0.5');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("--target 'flops=0.5': expected macs=F, params=F or latency=F");
    const noData = await cli(
      'prune',
      model,
      '-o',
      join(dir, 'y.onnx'),
      '--criterion',
      'apoz',
      '--ratio',
      '0.3',
      '--no-latency',
    );
    expect(noData.code).toBe(1);
    expect(noData.err).toContain("criterion 'apoz' needs calibration data");
  });

  it('never overwrites its input model', async () => {
    const r = await cli('prune', model, '-o', model, '--ratio', '0.3', '--no-latency');
    expect(r.code).toBe(1);
    expect(r.err).toContain('refusing to overwrite the input model');
  });

  it('--method cp: lasso, residual streams kept, least-squares recovery on the calibration images', async () => {
    const out = join(dir, 'cp.onnx');
    const report = join(dir, 'cp.json');
    const r = await cli(
      'prune',
      model,
      '-o',
      out,
      '--method',
      'cp',
      '--target',
      'macs=0.6',
      '--calib',
      `npy:${dir}`,
      '--calib-samples',
      '32',
      '--report',
      report,
      '--no-latency',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /recovered \(least squares\): \d+ layers refitted, mean relative output error [\d.]+ → [\d.]+ \(32 calibration images/,
    );
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.method).toBe('cp');
    expect(rep.criterion).toBe('lasso');
    expect(rep.recovery.method).toBe('ls');
    expect(rep.recovery.samples).toBe(32);
    expect(rep.groups.some((g: { frozen?: string }) => g.frozen === 'residual')).toBe(true);
    for (const l of rep.recovery.layers) if (!l.skipped) expect(l.after).toBeLessThanOrEqual(l.before);
  });

  it('--method with an unknown name, and --recover ls without --calib, are clear errors', async () => {
    const a = await cli(
      'prune',
      model,
      '-o',
      join(dir, 'bad.onnx'),
      '--method',
      'nope',
      '--target',
      'macs=0.5',
    );
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/--method 'nope': unknown method/);
    const b = await cli(
      'prune',
      model,
      '-o',
      join(dir, 'bad.onnx'),
      '--recover',
      'ls',
      '--target',
      'macs=0.5',
    );
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/--recover ls needs calibration data/);
  });
});
