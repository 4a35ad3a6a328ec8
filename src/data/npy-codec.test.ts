import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '#test/fixture-paths.js';
import { PareError } from '../util/errors.js';
import { decodeNpy, encodeNpy } from './npy-codec.js';

// Written by NumPy 2.x: test/fixtures/data/make-npy-fixtures.py.
const FIXTURES = fixturePath('data');
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

function thrown(fn: () => unknown): PareError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PareError);
    return error as PareError;
  }
  throw new Error('expected a PareError');
}

describe('decodeNpy on files NumPy wrote', () => {
  it('reads float32 N×C×H×W', () => {
    const x = decodeNpy(fixture('npy/x_train.npy'), 'x');
    expect(x.descr).toBe('<f4');
    expect(x.shape).toEqual([3, 1, 2, 3]);
    expect(x.data).toEqual(Float32Array.from({ length: 18 }, (_, k) => k / 10));
  });

  it('reads int64 labels as int32 and uint8 as bytes', () => {
    const y = decodeNpy(fixture('npy/y_train.npy'), 'y');
    expect([y.descr, y.shape]).toEqual(['<i8', [3]]);
    expect(y.data).toEqual(Int32Array.from([2, 0, 1]));
    const x = decodeNpy(fixture('npy/x_test.npy'), 'x');
    expect([x.descr, x.shape]).toEqual(['|u1', [2, 2, 2, 3]]);
    expect(x.data).toEqual(Uint8Array.from({ length: 24 }, (_, k) => k * 10));
  });

  it('reads float64 as float32', () => {
    const a = decodeNpy(fixture('npy-codec/f8.npy'), 'f8');
    expect(a.shape).toEqual([2, 2]);
    expect(a.data).toEqual(Float32Array.from([0.5, -1.25, 3, 1e-3]));
  });

  it('writes the same bytes as numpy.save', () => {
    const data = Float32Array.from({ length: 18 }, (_, k) => k / 10);
    expect(encodeNpy([3, 1, 2, 3], data)).toEqual(fixture('npy/x_train.npy'));
  });

  it.each([
    ['npy-codec/fortran.npy', "'f': NPY array is in Fortran order; save numpy.ascontiguousarray(a) instead"],
    [
      'npy-codec/big-endian.npy',
      "'f': NPY dtype '>f4' is not supported; save little-endian float32, float64, uint8, int8, int16, int32 or int64",
    ],
  ])('rejects %s', (name, message) => {
    expect(thrown(() => decodeNpy(fixture(name), 'f'))).toMatchObject({ code: 'PARE_DATA', message });
  });
});

describe('decodeNpy on broken input', () => {
  const good = encodeNpy([2, 3], Float32Array.from([1, 2, 3, 4, 5, 6]));

  it.each([
    [
      'a PNG',
      Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 0, 0, 0]),
      "'f': not an NPY file: it does not start with \\x93NUMPY; write arrays with numpy.save",
    ],
    [
      'a cut header',
      good.subarray(0, 40),
      "'f': truncated or unknown NPY header (version 1); write the array again with numpy.save",
    ],
    [
      'cut data',
      good.subarray(0, good.length - 4),
      "'f': truncated NPY file: shape 2×3 of '<f4' needs 24 bytes of data, file has 20; write it again",
    ],
  ])('%s', (_, bytes, message) => {
    expect(thrown(() => decodeNpy(bytes, 'f'))).toMatchObject({ code: 'PARE_DATA', message });
  });

  /** A version 1.0 file with header `dict` (ASCII) and raw `data`, for headers encodeNpy never writes. */
  function rawNpy(dict: string, data: Uint8Array): Uint8Array {
    const start = Math.ceil((dict.length + 11) / 64) * 64;
    const header = `${dict.padEnd(start - 11, ' ')}\n`;
    const out = new Uint8Array(start + data.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
    out.set(new TextEncoder().encode(header), 10);
    out.set(data, start);
    return out;
  }

  it('rejects object arrays, int64 values beyond int32 and headers without a shape', () => {
    const objects = rawNpy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8));
    expect(thrown(() => decodeNpy(objects, 'o')).message).toBe(
      "'o': NPY dtype '|O' is not supported; save little-endian float32, float64, uint8, int8, int16, int32 or int64",
    );
    const int64 = rawNpy(
      "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
      Uint8Array.of(0, 0, 0, 0, 1, 0, 0, 0),
    );
    expect(thrown(() => decodeNpy(int64, 'i')).message).toBe(
      "'i': value 4294967296 at index 0 exceeds int32",
    );
    const noShape = rawNpy("{'descr': '<f4', 'fortran_order': False}", new Uint8Array(4));
    expect(thrown(() => decodeNpy(noShape, 's')).message).toBe(
      "'s': NPY header is not understood: {'descr': '<f4', 'fortran_order': False}",
    );
  });
});

describe('encodeNpy', () => {
  it('round-trips through decodeNpy (property)', () => {
    const shapes = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(shapes, fc.integer({ min: 0, max: 2 }), fc.integer(), (shape, kind, seed) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const values = Array.from({ length: n }, (_, i) => ((seed + i * 7919) >>> 0) % 256);
        const data =
          kind === 0
            ? Float32Array.from(values, (v) => v / 3)
            : kind === 1
              ? Uint8Array.from(values)
              : Int32Array.from(values, (v) => v - 128);
        const back = decodeNpy(encodeNpy(shape, data), 'p');
        expect(back.shape).toEqual(shape);
        expect(back.data).toEqual(data);
      }),
    );
  });
});
