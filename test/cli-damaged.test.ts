// Damaged models (a changed value name, a cycle, a required attribute lost) fail when read, with a
// typed error naming the node and the value: never exit 2 after surgery, never '?' shapes and
// MACs that are silently too small.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/main.js';
import { type ModelProto, ModelProtoSchema } from '../src/onnx/proto/onnx_pb.js';
import { encodeModel } from '../src/onnx/write.js';
import { buildZooModel } from '../src/zoo/registry.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir();
const bytes = encodeModel(buildZooModel('resnet20', { inputShape: [3, 8, 8], classes: 10, seed: 1 }));

function damaged(name: string, edit: (mp: ModelProto) => void): string {
  const mp = fromBinary(ModelProtoSchema, bytes);
  edit(mp);
  const file = join(dir, `${name}.onnx`);
  writeFileSync(file, toBinary(ModelProtoSchema, mp));
  return file;
}

const node = (mp: ModelProto, name: string) => mp.graph!.node.find((n) => n.name === name)!;

async function each(file: string) {
  const out = [];
  for (const args of [
    ['inspect', file],
    ['analyze', file],
    ['prune', file, '-o', join(dir, 'out.onnx'), '--ratio', '0.3', '--verify', '--no-latency'],
  ]) {
    const io = memoryIO();
    out.push({ code: await run(['node', 'pare', ...args], io), err: io.stderr.join('\n') });
  }
  return out;
}

describe('damaged models', () => {
  it('a value name changed by one byte: every command exits 1 naming the node and the value', async () => {
    const file = damaged('renamed', (mp) => {
      node(mp, 'layer1.1.conv1').input[0] = 'layer1.0.relu3';
    });
    for (const r of await each(file)) {
      expect(r.code).toBe(1);
      expect(r.err).toContain(
        "error PARE_GRAPH_INVALID: model '" +
          file +
          "': Conv 'layer1.1.conv1' input 0 ('layer1.0.relu3') is not produced by any node",
      );
      expect(r.err).not.toMatch(/PARE_INTERNAL|bug in pare/);
    }
  });

  it('a cycle is refused naming a node on it', async () => {
    const file = damaged('cycle', (mp) => {
      node(mp, 'layer1.0.conv1').input[0] = 'layer1.0.relu1';
    });
    for (const r of await each(file)) {
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/error PARE_GRAPH_INVALID: model '.*' has a cycle through/);
    }
  });

  it('nodes listed out of order are put in order, not refused', async () => {
    const file = damaged('unordered', (mp) => {
      mp.graph!.node.reverse();
    });
    const [inspect] = await each(file);
    expect(inspect!.code).toBe(0);
  });

  it('a required attribute lost (Concat axis) is a typed shape error, not a wrong MACs count', async () => {
    const file = damaged('no-axis', (mp) => {
      const relu = node(mp, 'layer1.0.relu1');
      relu.opType = 'Concat';
    });
    for (const r of await each(file)) {
      expect(r.code).toBe(1);
      expect(r.err).toContain("Concat 'layer1.0.relu1': required attribute 'axis' is missing");
    }
  });

  it('a stride of 0 is a typed shape error naming the node, not an internal error when writing', async () => {
    const file = damaged('stride-0', (mp) => {
      const strides = node(mp, 'layer2.0.conv1').attribute.find((a) => a.name === 'strides')!;
      strides.ints[1] = 0n;
    });
    for (const r of await each(file)) {
      expect(r.code).toBe(1);
      expect(r.err).toContain(
        "error PARE_SHAPE: Conv 'layer2.0.conv1' output 'layer2.0.conv1': dim 3 would be Infinity",
      );
    }
  });
});
