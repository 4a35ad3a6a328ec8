// Training shows progress on a terminal (counting to --steps when given) and, piped, prints a line
// every few seconds instead of nothing until the epoch ends.

import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/main.js';
import { tempDir } from './helpers/tmp.js';
import { writeTwoClassModel, writeTwoClassSplit } from './helpers/two-class-data.js';

const dir = tempDir();
writeTwoClassSplit(dir, 'train', 256, 1);
writeTwoClassSplit(dir, 'test', 64, 2);
const model = writeTwoClassModel(dir);
// 256 images in batches of 32: 8 steps per epoch; --steps 3 stops early.
const args = [
  'train',
  model,
  '--data',
  `npy:${dir}`,
  '-o',
  join(dir, 'out.onnx'),
  '--batch',
  '32',
  '--steps',
  '3',
];

afterEach(() => vi.restoreAllMocks());

describe('training progress', () => {
  it('piped: a progress line every 10 s of training (here: a clock that runs fast)', async () => {
    let now = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => (now += 11_000));
    const io = memoryIO();
    expect(await run(['node', 'pare', ...args], io)).toBe(0);
    const lines = io.stderr.filter((l) => /^epoch 1\/1 step \d+\/3 loss/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(2);
  });

  it('on a terminal, --steps 10 counts to 10 (not to the steps of an epoch)', async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const io = { ...memoryIO(), isTTY: true };
    expect(await run(['node', 'pare', ...args], io)).toBe(0);
    const shown = written.join('');
    expect(shown).toMatch(/step [123]\/3 /);
    expect(shown).not.toMatch(/step \d+\/8 /);
  });
});
