import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { bytesOf, type TypedArray } from '../ir/dtype.js';
import type { Tensor } from '../ir/tensor.js';
import { PareError } from '../util/errors.js';
import { TensorProtoSchema } from './proto/onnx_pb.js';
import { tensorProtoRest } from './tensor-meta.js';
import { decodeTensor, tensorToProto } from './tensor-proto.js';

const ctx = { file: 'm.onnx', external: undefined };

function encode(init: MessageInitShape<typeof TensorProtoSchema>): Uint8Array {
  return toBinary(TensorProtoSchema, create(TensorProtoSchema, init));
}

function decode(bytes: Uint8Array, keepName = false): Tensor {
  return decodeTensor(bytes, ctx, 'initializer 0', keepName).tensor;
}

/** Decode, write back as raw_data, decode again: both must hold `expected` (little-endian bytes). */
function roundTrip(bytes: Uint8Array, expected: TypedArray | Uint8Array): Tensor {
  const t = decode(bytes);
  expect(Buffer.from(t.rawBytes())).toEqual(Buffer.from(bytesOf(expected as TypedArray)));
  const again = decode(toBinary(TensorProtoSchema, tensorToProto('w', t, true)));
  expect(Buffer.from(again.rawBytes())).toEqual(Buffer.from(t.rawBytes()));
  expect(again.dims).toEqual(t.dims);
  expect(again.dataType).toBe(t.dataType);
  return t;
}

function error(fn: () => unknown): PareError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PareError) return e;
    throw e;
  }
  throw new Error('expected a PareError');
}

describe('decodeTensor: every encoding', () => {
  it('raw_data stays a view of the message bytes', () => {
    const data = new Float32Array([1.5, -2, 3.25, 4]);
    const bytes = encode({ name: 'w', dataType: 1, dims: [2n, 2n], rawData: bytesOf(data) });
    const t = roundTrip(bytes, data);
    expect(t.rawBytes().buffer).toBe(bytes.buffer);
    expect([...t.toFloat32()]).toEqual([1.5, -2, 3.25, 4]);
  });

  it('packed float_data, unpacked float_data and complex64', () => {
    const data = new Float32Array([0.1, -7, Number.NaN, 1e-30, -0]);
    roundTrip(encode({ dataType: 1, dims: [5n], floatData: [...data] }), data);
    // Unpacked: one fixed32 field (tag 0x25) per element, as proto2 writers without [packed] emit.
    const head = encode({ dataType: 1, dims: [2n] });
    const unpacked = Buffer.concat([
      head,
      Buffer.from([0x25]),
      bytesOf(data.subarray(0, 1)),
      Buffer.from([0x25]),
      bytesOf(data.subarray(1, 2)),
    ]);
    roundTrip(unpacked, data.subarray(0, 2));
    roundTrip(encode({ dataType: 14, dims: [2n], floatData: [1, 2, 3, 4] }), new Float32Array([1, 2, 3, 4]));
  });

  it('int32_data for int32, int16, int8, uint16, uint8, bool, float16 and bfloat16', () => {
    const ints = [-2147483648, -1, 0, 7, 2147483647];
    roundTrip(encode({ dataType: 6, dims: [5n], int32Data: ints }), new Int32Array(ints));
    roundTrip(
      encode({ dataType: 5, dims: [3n], int32Data: [-32768, -1, 32767] }),
      new Int16Array([-32768, -1, 32767]),
    );
    roundTrip(
      encode({ dataType: 3, dims: [3n], int32Data: [-128, -1, 127] }),
      new Int8Array([-128, -1, 127]),
    );
    roundTrip(encode({ dataType: 4, dims: [2n], int32Data: [0, 65535] }), new Uint16Array([0, 65535]));
    roundTrip(encode({ dataType: 2, dims: [2n], int32Data: [0, 255] }), new Uint8Array([0, 255]));
    roundTrip(encode({ dataType: 9, dims: [3n], int32Data: [1, 0, 1] }), new Uint8Array([1, 0, 1]));
    // float16 1.0 = 0x3c00, -2.0 = 0xc000; bfloat16 1.0 = 0x3f80.
    roundTrip(
      encode({ dataType: 10, dims: [2n], int32Data: [0x3c00, 0xc000] }),
      new Uint16Array([0x3c00, 0xc000]),
    );
    roundTrip(encode({ dataType: 16, dims: [1n], int32Data: [0x3f80] }), new Uint16Array([0x3f80]));
  });

  it('int64_data, uint64_data (uint64 and uint32) and double_data', () => {
    const i64 = [-9223372036854775808n, -1n, 0n, 1n << 40n, 9223372036854775807n];
    roundTrip(encode({ dataType: 7, dims: [5n], int64Data: i64 }), new BigInt64Array(i64));
    const u64 = [0n, 18446744073709551615n, 1n << 63n];
    roundTrip(encode({ dataType: 13, dims: [3n], uint64Data: u64 }), new BigUint64Array(u64));
    roundTrip(
      encode({ dataType: 12, dims: [2n], uint64Data: [0n, 4294967295n] }),
      new Uint32Array([0, 4294967295]),
    );
    const f64 = [Math.PI, -1e300, Number.MIN_VALUE];
    roundTrip(encode({ dataType: 11, dims: [3n], doubleData: f64 }), new Float64Array(f64));
  });

  it('float8 and 4-bit types keep one byte per int32_data element', () => {
    roundTrip(
      encode({ dataType: 17, dims: [3n], int32Data: [0x38, 0xff, 0] }),
      new Uint8Array([0x38, 0xff, 0]),
    );
    // int4 [1, -1, 3]: pairs packed low nibble first → 0xf1, 0x03.
    roundTrip(encode({ dataType: 22, dims: [3n], int32Data: [0xf1, 0x03] }), new Uint8Array([0xf1, 0x03]));
  });

  it('string_data and empty tensors', () => {
    const t = decode(
      encode({ dataType: 8, dims: [2n], stringData: [Buffer.from('a'), Buffer.from([0xff, 0])] }),
    );
    expect(t.strings().map((s) => [...s])).toEqual([[97], [0xff, 0]]);
    const e = decode(encode({ dataType: 1, dims: [0n, 3n] }));
    expect(e.size).toBe(0);
    expect(e.rawBytes().byteLength).toBe(0);
  });

  it('keeps doc_string, metadata, segment and unknown fields; attribute tensors keep their name', () => {
    const tp = create(TensorProtoSchema, {
      name: 'k',
      dataType: 1,
      dims: [1n],
      floatData: [2],
      docString: 'why',
      metadataProps: [{ key: 'a', value: 'b' }],
    });
    tp.$unknown = [{ no: 900, wireType: 0, data: new Uint8Array([42]) }];
    const t = decode(toBinary(TensorProtoSchema, tp), true);
    expect(tensorProtoRest(t)).toBeDefined();
    const back = tensorToProto(undefined, t, true);
    expect(back.name).toBe('k');
    expect(back.docString).toBe('why');
    expect(back.metadataProps.map((e) => [e.key, e.value])).toEqual([['a', 'b']]);
    const bytes = toBinary(TensorProtoSchema, back);
    expect(fromBinary(TensorProtoSchema, bytes).$unknown).toEqual([
      { no: 900, wireType: 0, data: new Uint8Array([42]) },
    ]);
    // As an initializer the value's name wins.
    expect(tensorToProto('renamed', t, false).name).toBe('renamed');
  });
});

describe('decodeTensor: damaged tensors name the tensor and the file', () => {
  it.each([
    [
      { name: 'w', dataType: 1, dims: [3n], floatData: [1, 2] },
      "tensor 'w' of model 'm.onnx' has 2 values in float_data, but float32[3] needs 3",
    ],
    [
      { name: 'w', dataType: 1, dims: [2n], rawData: new Uint8Array(4) },
      "tensor 'w' of model 'm.onnx' has 4 bytes of raw_data, but float32[2] needs 8",
    ],
    [
      { name: 'w', dataType: 7, dims: [1n], floatData: [1] },
      "tensor 'w' of model 'm.onnx' (int64[1]) keeps its values in float_data; ONNX expects int64_data",
    ],
    [
      { name: 'w', dataType: 1, dims: [2n] },
      "tensor 'w' of model 'm.onnx' has no data, but float32[2] needs 8 bytes",
    ],
    [{ name: 'w', dataType: 1, dims: [-1n] }, "tensor 'w' of model 'm.onnx' has invalid dims [-1]"],
    [
      { name: 'w', dataType: 8, dims: [2n], stringData: [new Uint8Array(1)] },
      "tensor 'w' of model 'm.onnx' has 1 strings, but dims need 2",
    ],
    [
      { name: 'w', dataType: 1, dims: [1n], floatData: [1], int32Data: [1] },
      "tensor 'w' of model 'm.onnx' has values in float_data and int32_data; ONNX allows one list",
    ],
  ] satisfies [MessageInitShape<typeof TensorProtoSchema>, string][])('%#', (init, message) => {
    const e = error(() => decode(encode(init)));
    expect(e.code).toBe('PARE_BAD_MODEL');
    expect(e.message).toBe(message);
    expect(e.tensor).toBe('w');
    expect(e.file).toBe('m.onnx');
  });

  it('external data needs a file to be relative to', () => {
    const bytes = encode({
      name: 'w',
      dataType: 1,
      dims: [1n],
      dataLocation: 1,
      externalData: [{ key: 'location', value: 'w.bin' }],
    });
    const e = error(() => decode(bytes));
    expect(e.code).toBe('PARE_EXTERNAL_DATA');
    expect(e.message).toBe("tensor 'w' keeps its data in 'w.bin', but the model was decoded from memory");
  });
});
