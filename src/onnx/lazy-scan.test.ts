import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import { createModel, type Model } from '../ir/model.js';
import { PareError } from '../util/errors.js';
import { modelDiff } from './graph-equal.js';
import { AttributeProto_AttributeType as AT, ModelProtoSchema, NodeProtoSchema } from './proto/onnx_pb.js';
import { decodeModel, readModel } from './read.js';
import { tensorFileRegion } from './tensor-meta.js';
import { encodeModel, writeModel } from './write.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pare-lazy-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cnn(): Model {
  const b = new GraphBuilder({ seed: 5 });
  const x = b.input('x', ['N', 3, 8, 8]);
  const y = b.relu(b.batchNorm(b.conv(x, { out: 8, kernel: 3, pad: 1, name: 'c1' })));
  b.output(b.gemm(b.flatten(b.globalAvgPool(y)), 4, { name: 'fc' }));
  return createModel(b.build(), { docString: 'lazy', metadata: new Map([['a', 'b']]) });
}

/** The same model with its weights held in Constant nodes, and an unknown field on the graph. */
function withConstants(bytes: Uint8Array): Uint8Array {
  const mp = fromBinary(ModelProtoSchema, bytes);
  const g = mp.graph!;
  const consts = g.initializer.map((t) =>
    create(NodeProtoSchema, {
      opType: 'Constant',
      output: [t.name],
      attribute: [{ name: 'value', type: AT.TENSOR, t }],
    }),
  );
  g.node.unshift(...consts);
  g.initializer = [];
  g.$unknown = [{ no: 777, wireType: 0, data: new Uint8Array([5]) }];
  return toBinary(ModelProtoSchema, mp);
}

function thrown(fn: () => unknown): PareError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PareError) return e;
    throw e;
  }
  throw new Error('expected a PareError');
}

describe('readModel leaves large raw_data in the file', () => {
  const m = cnn();
  const file = path.join(dir, 'm.onnx');
  writeModel(m, file);

  it('gives the same model as reading everything, with big weights lazy', () => {
    const lazy = readModel(file, { lazyBytes: 64 });
    const eager = readModel(file, { lazyBytes: Number.POSITIVE_INFINITY });
    const w = lazy.graph.mustValue('c1.weight').const!;
    expect(w.isLazy).toBe(true);
    expect(tensorFileRegion(w)?.length).toBe(8 * 3 * 3 * 3 * 4);
    expect(lazy.graph.mustValue('c1.weight').const!.external).toBeUndefined();
    expect(eager.graph.mustValue('c1.weight').const!.isLazy).toBe(false);
    expect(modelDiff(lazy, eager)).toBeUndefined();
    expect(w.isLazy).toBe(false);
    // Values of weights read whole are views into the file buffer (copied when misaligned), also
    // when the caller decodes a Node Buffer.
    for (const g of [eager.graph, decodeModel(fs.readFileSync(file)).graph]) {
      for (const v of g.initializers) {
        expect([...v.const!.toFloat32()]).toEqual([...m.graph.mustValue(v.name).const!.toFloat32()]);
      }
    }
  });

  it('streams lazy weights when writing, without loading them', () => {
    const lazy = readModel(file, { lazyBytes: 64 });
    const out = path.join(dir, 'copy.onnx');
    writeModel(lazy, out);
    expect(lazy.graph.initializers.filter((v) => v.const!.isLazy).length).toBeGreaterThan(1);
    expect(Buffer.compare(fs.readFileSync(out), fs.readFileSync(file))).toBe(0);
    expect(Buffer.compare(encodeModel(lazy), fs.readFileSync(file))).toBe(0);
  });

  it('scans into Constant nodes and keeps everything else (lazyBytes 1: every message is walked)', () => {
    const bytes = withConstants(encodeModel(m));
    const f = path.join(dir, 'const.onnx');
    fs.writeFileSync(f, bytes);
    const lazy = readModel(f, { lazyBytes: 1 });
    expect(lazy.graph.initializers.every((v) => v.const!.isLazy)).toBe(true);
    expect(modelDiff(lazy, { ...decodeModel(bytes), path: f })).toBeUndefined();
    const out = path.join(dir, 'const-out.onnx');
    writeModel(lazy, out);
    expect(Buffer.compare(fs.readFileSync(out), encodeModel(decodeModel(bytes)))).toBe(0);
  });

  it('leaves packed float_data in the file too, checked like the full reader checks it', () => {
    const mp = fromBinary(ModelProtoSchema, encodeModel(m));
    for (const t of mp.graph!.initializer) {
      t.floatData = [...new Float32Array(t.rawData.slice().buffer)];
      t.rawData = new Uint8Array(0);
    }
    const f = path.join(dir, 'float-data.onnx');
    fs.writeFileSync(f, toBinary(ModelProtoSchema, mp));
    const lazy = readModel(f, { lazyBytes: 64 });
    expect(lazy.graph.mustValue('c1.weight').const!.isLazy).toBe(true);
    expect(modelDiff(lazy, { ...decodeModel(encodeModel(m)), path: f })).toBeUndefined();
    // The same values under a type that does not use float_data: the error of the full reader.
    mp.graph!.initializer[0]!.dataType = 7;
    fs.writeFileSync(f, toBinary(ModelProtoSchema, mp));
    const eagerError = thrown(() => readModel(f, { lazyBytes: Number.POSITIVE_INFINITY }));
    expect(thrown(() => readModel(f, { lazyBytes: 64 })).message).toBe(eagerError.message);
    expect(eagerError.message).toContain('keeps its values in float_data; ONNX expects int64_data');
  });

  it('falls back to reading everything for the exact error on damaged files', () => {
    const bytes = fs.readFileSync(file);
    const cut = path.join(dir, 'cut.onnx');
    fs.writeFileSync(cut, bytes.subarray(0, bytes.byteLength - 10));
    let e: unknown;
    try {
      readModel(cut, { lazyBytes: 64 });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(PareError);
    expect((e as PareError).code).toBe('PARE_TRUNCATED');
    expect((e as PareError).message).toContain("it ends inside initializer 'fc.bias'");
  });
});
