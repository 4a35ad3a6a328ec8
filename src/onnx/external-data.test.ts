import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import { createModel, type Model } from '../ir/model.js';
import { PareError } from '../util/errors.js';
import { modelDiff } from './graph-equal.js';
import { decodeModel, readModel } from './read.js';
import { encodeModel, writeModel } from './write.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pare-ext-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cnn(): Model {
  const b = new GraphBuilder({ seed: 7 });
  const x = b.input('x', ['N', 3, 8, 8]);
  const y = b.relu(b.conv(x, { out: 16, kernel: 3, pad: 1, bias: true, name: 'c1' }));
  b.output(b.gemm(b.flatten(b.globalAvgPool(y)), 4, { name: 'fc' }));
  return createModel(b.build());
}

function sub(name: string): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
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

describe('external data', () => {
  const m = cnn();
  const d = sub('ext');
  const file = path.join(d, 'model.onnx');
  writeModel(m, file, { externalData: 'external', externalThreshold: 65 });
  const back = readModel(file);

  it('writes weights above the threshold to <model>.data at aligned offsets, the rest inline', () => {
    expect(fs.existsSync(`${file}.data`)).toBe(true);
    const ext = back.graph.initializers.filter((v) => v.const!.external);
    expect(ext.map((v) => v.name)).toEqual(['c1.weight', 'fc.weight']);
    for (const v of ext) {
      expect(v.const!.external!.location).toBe('model.onnx.data');
      expect(v.const!.external!.offset % 4096).toBe(0);
    }
    expect(back.graph.mustValue('c1.bias').const!.external).toBeUndefined();
  });

  it('reads lazily: nothing is loaded until the values are needed', () => {
    const fresh = readModel(file);
    const w = fresh.graph.mustValue('c1.weight').const!;
    expect(w.isLazy).toBe(true);
    expect([...w.toFloat32()]).toEqual([...m.graph.mustValue('c1.weight').const!.toFloat32()]);
    expect(w.isLazy).toBe(false);
    expect(modelDiff(m, { ...back, path: undefined })).toBeUndefined();
  });

  it("'auto' keeps external data external, streaming it without loading", () => {
    const again = readModel(file);
    const out = path.join(sub('auto'), 'copy.onnx');
    writeModel(again, out);
    expect(fs.existsSync(`${out}.data`)).toBe(true);
    expect(again.graph.mustValue('c1.weight').const!.isLazy).toBe(true);
    expect(modelDiff(readModel(out), m)).toBeUndefined();
  });

  it("'auto' writes a model without external data inline; 'inline' embeds external weights", () => {
    const out = path.join(sub('inline'), 'a.onnx');
    writeModel(m, out);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['a.onnx']);
    const out2 = path.join(sub('inline2'), 'b.onnx');
    writeModel(readModel(file), out2, { externalData: 'inline' });
    expect(fs.readdirSync(path.dirname(out2))).toEqual(['b.onnx']);
    expect(readModel(out2).graph.initializers.some((v) => v.const!.external)).toBe(false);
    expect(modelDiff(readModel(out2), m)).toBeUndefined();
  });

  it('externalLocation may name a file in a sub-folder; no data file when nothing reaches the threshold', () => {
    const out = path.join(sub('loc'), 'm.onnx');
    writeModel(m, out, { externalData: 'external', externalLocation: 'weights/w.bin', externalThreshold: 0 });
    expect(fs.existsSync(path.join(path.dirname(out), 'weights', 'w.bin'))).toBe(true);
    expect(modelDiff(readModel(out), m)).toBeUndefined();
    const out2 = path.join(sub('none'), 'm.onnx');
    writeModel(m, out2, { externalData: 'external', externalThreshold: 1e9 });
    expect(fs.readdirSync(path.dirname(out2))).toEqual(['m.onnx']);
  });

  it('rejects locations outside the folder or equal to the model', () => {
    for (const bad of ['../w.bin', '/tmp/w.bin', 'm.onnx']) {
      const e = thrown(() =>
        writeModel(m, path.join(sub('bad'), 'm.onnx'), { externalData: 'external', externalLocation: bad }),
      );
      expect(e.code).toBe('PARE_CONFIG');
      expect(e.message).toContain(`external data location '${bad}'`);
    }
  });

  it('refuses to replace the data file the model is still read from, by any name', () => {
    const d2 = sub('same');
    const src = path.join(d2, 'model.onnx');
    writeModel(m, src, { externalData: 'external', externalThreshold: 64, externalLocation: 'shared.bin' });
    const read = readModel(src);
    const e = thrown(() =>
      writeModel(read, path.join(d2, 'other.onnx'), {
        externalLocation: 'shared.bin',
        externalThreshold: 64,
      }),
    );
    expect(e.code).toBe('PARE_IO');
    expect(e.message).toContain(`refusing to overwrite '${path.join(d2, 'shared.bin')}'`);
    // As the model file itself, through a symbolic link to it.
    fs.symlinkSync(path.join(d2, 'shared.bin'), path.join(d2, 'link.onnx'));
    expect(thrown(() => writeModel(read, path.join(d2, 'link.onnx'))).code).toBe('PARE_IO');
    expect(fs.readdirSync(d2).sort()).toEqual(['link.onnx', 'model.onnx', 'shared.bin']);
    expect(modelDiff(readModel(src), { ...m, path: src })).toBeUndefined();
    // Loaded weights too: the input model on disk still points at the file.
    const loaded = readModel(src);
    for (const v of loaded.graph.initializers) v.const!.toFloat32();
    const e2 = thrown(() =>
      writeModel(loaded, path.join(d2, 'other.onnx'), { externalLocation: 'shared.bin' }),
    );
    expect(e2.code).toBe('PARE_IO');
    writeModel(loaded, path.join(d2, 'other.onnx'), { externalLocation: 'other.bin', externalThreshold: 64 });
    expect(modelDiff(readModel(path.join(d2, 'other.onnx')), m)).toBeUndefined();
    expect(modelDiff(readModel(src), { ...m, path: src })).toBeUndefined();
  });

  it('encodeModel reads external weights in; decodeModel finds them only with baseDir', () => {
    const bytes = encodeModel(readModel(file));
    expect(modelDiff(decodeModel(bytes), m)).toBeUndefined();
    const raw = fs.readFileSync(file);
    expect(thrown(() => decodeModel(raw)).code).toBe('PARE_EXTERNAL_DATA');
    expect(modelDiff(decodeModel(raw, { baseDir: d }), m)).toBeUndefined();
  });

  it('refuses to overwrite the model it was read from, and leaves no temporary files on failure', () => {
    const e = thrown(() => writeModel(back, file));
    expect(e.message).toBe(`refusing to overwrite the input model '${file}'`);
    const e2 = thrown(() =>
      writeModel(back, path.join(d, 'other.onnx'), {
        externalData: 'external',
        externalLocation: 'model.onnx',
      }),
    );
    expect(e2.message).toBe(`refusing to overwrite the input model '${file}' with external data`);
    expect(thrown(() => readModel(d)).message).toBe(`cannot read model '${d}': it is a folder`);
    expect(thrown(() => readModel(path.join(d, 'nope.onnx'))).message).toBe(
      `cannot read model '${path.join(d, 'nope.onnx')}': no such file`,
    );
    const missing = path.join(dir, 'no-such-dir', 'm.onnx');
    expect(thrown(() => writeModel(m, missing)).code).toBe('PARE_IO');
    const before = fs.readdirSync(d).sort();
    expect(before).toEqual(['model.onnx', 'model.onnx.data']);
  });
});
