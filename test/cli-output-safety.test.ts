// Outputs never destroy inputs or other outputs, are checked before any work, and an interrupted
// or cut-short run leaves nothing half-written and prints no stack trace.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, watch } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/ir/builder.js';
import { createModel } from '../src/ir/model.js';
import { writeModel } from '../src/onnx/write.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();
const model = join(dir, 'r20.onnx');
writeModel(buildZooModel('resnet20', { inputShape: [3, 16, 16], classes: 10, seed: 1 }), model);
const original = readFileSync(model);

const prune = (...args: string[]) => cli('prune', model, '--ratio', '0.3', '--no-latency', ...args);

/** The CLI as a real process (from the sources through tsx). */
function spawnCli(args: readonly string[]) {
  return spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'helpers/cli-entry.ts'), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

describe('output paths', () => {
  it('refuses -o naming the input through a symlink; the input is unchanged', async () => {
    const link = join(dir, 'link.onnx');
    symlinkSync(model, link);
    const r = await prune('-o', link);
    expect(r.code).toBe(1);
    expect(r.err).toContain('refusing to overwrite the input model');
    expect(readFileSync(model).equals(original)).toBe(true);
    // Through a symlinked folder too.
    const linkDir = join(dir, 'same');
    symlinkSync(dir, linkDir);
    const r2 = await prune('-o', join(linkDir, 'r20.onnx'));
    expect(r2.code).toBe(1);
    expect(readFileSync(model).equals(original)).toBe(true);
  });

  it("refuses -o naming the input's external-data file; the input still reads back", async () => {
    const ext = join(dir, 'ext');
    mkdirSync(ext);
    const src = join(ext, 'm.onnx');
    writeModel(buildZooModel('resnet20', { inputShape: [3, 16, 16], classes: 10, seed: 1 }), src, {
      externalData: 'external',
    });
    const data = readFileSync(`${src}.data`);
    const r = await cli('prune', src, '--ratio', '0.3', '--no-latency', '-o', `${src}.data`);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`refusing to overwrite the input external data of model '${src}.data'`);
    expect(readFileSync(`${src}.data`).equals(data)).toBe(true);
    expect(readdirSync(ext).sort()).toEqual(['m.onnx', 'm.onnx.data']);
  });

  it('refuses --plan-out or --report equal to the input or to -o, before writing anything', async () => {
    for (const args of [
      ['-o', join(dir, 'po.onnx'), '--plan-out', join(dir, 'po.onnx')],
      ['-o', join(dir, 'po.onnx'), '--report', join(dir, 'po.onnx')],
      ['-o', join(dir, 'po.onnx'), '--plan-out', model],
      ['-o', join(dir, 'po.onnx'), '--report', model],
    ]) {
      const r = await prune(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toMatch(/same file|refusing to overwrite the input/);
      expect(existsSync(join(dir, 'po.onnx'))).toBe(false);
      expect(readFileSync(model).equals(original)).toBe(true);
    }
  });

  it('apply refuses -o equal to the plan; the plan is unchanged', async () => {
    const plan = join(dir, 'plan.json');
    expect((await prune('-o', join(dir, 'p.onnx'), '--plan-out', plan)).code).toBe(0);
    const before = readFileSync(plan, 'utf8');
    const r = await cli('apply', model, plan, '-o', plan);
    expect(r.code).toBe(1);
    expect(r.err).toContain('refusing to overwrite the input plan');
    expect(readFileSync(plan, 'utf8')).toBe(before);
  });

  it('refuses a FIFO, a device node and a folder as output', async () => {
    const fifo = join(dir, 'fifo.onnx');
    execFileSync('mkfifo', [fifo]);
    const r = await prune('-o', fifo);
    expect(r.code).toBe(1);
    expect(r.err).toContain('is a FIFO (named pipe), not a regular file');
    const dev = await cli('zoo', 'lenet5', '-o', '/dev/null');
    expect(dev.code).toBe(1);
    expect(dev.err).toContain('is a character device');
    const folder = await prune('-o', dir);
    expect(folder.code).toBe(1);
    expect(folder.err).toContain('is a folder');
  });

  it('--report into a missing folder fails with exit 1 before the model is written', async () => {
    const out = join(dir, 'not-written.onnx');
    const r = await prune('-o', out, '--report', join(dir, 'missing', 'r.json'));
    expect(r.code).toBe(1);
    expect(r.err).toContain("the folder '");
    expect(r.err).toContain('does not exist');
    expect(r.err).not.toContain('internal error');
    expect(existsSync(out)).toBe(false);
  });
});

describe('interrupted and cut-short runs', () => {
  it('SIGTERM during a model write leaves no temporary file behind', async () => {
    const out = join(dir, 'sig');
    mkdirSync(out);
    // A model big enough that its write takes a while (ResNet-50, ~100 MB).
    const child = spawnCli(['zoo', 'resnet50', '-o', join(out, 'r50.onnx')]);
    const watcher = watch(out, (_event, name) => {
      if (name?.includes('.tmp-')) child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    watcher.close();
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect([0, 143]).toContain(code);
  }, 60_000);

  it('a reader that stops early (| head) ends the output quietly: no EPIPE stack trace', async () => {
    // A table bigger than a pipe's buffer, so the writer is still writing when the reader leaves.
    const b = new GraphBuilder({ seed: 0 });
    let x = b.input('x', [1, 1, 4, 4]);
    for (let i = 0; i < 1500; i++)
      x = b.conv(x, { out: 1, kernel: 1, name: `a_fairly_long_layer_name_${i}` });
    b.output(x);
    const big = join(dir, 'deep.onnx');
    writeModel(createModel(b.build()), big);
    const child = spawnCli(['inspect', big]);
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});
