import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/main.js';
import { readModel } from '../src/onnx/read.js';
import { zooModels } from '../src/zoo/registry.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();

describe('pare zoo', () => {
  it('--list --json lists every model with its defaults', async () => {
    const io = memoryIO();
    expect(await run(['node', 'pare', 'zoo', '--list', '--json'], io)).toBe(0);
    const r = JSON.parse(io.stdout.join('')) as { models: { name: string; classes: number }[] };
    expect(r.models.map((m) => m.name)).toEqual(Object.keys(zooModels));
    expect(r.models.find((m) => m.name === 'resnet20')?.classes).toBe(zooModels.resnet20.defaults.classes);
  });

  it('--json reports the written model and its input shape', async () => {
    const io = memoryIO();
    const file = join(dir, 'lenet.onnx');
    expect(
      await run(['node', 'pare', 'zoo', 'lenet5', '-o', file, '--input-shape', '1x28x28', '--json'], io),
    ).toBe(0);
    const r = JSON.parse(io.stdout.join('')) as {
      name: string;
      output: string;
      inputShape: (number | string)[];
    };
    expect(r.name).toBe('lenet5');
    expect(r.output).toBe(file);
    expect(r.inputShape.slice(1)).toEqual([1, 28, 28]);
    expect(readModel(file).graph.feedInputs[0]?.shape?.slice(1)).toEqual([1, 28, 28]);
  });
});
