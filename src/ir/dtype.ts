// Element types: ONNX TensorProto.DataType codes, their names, sizes and typed-array views.

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export type DType =
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64'
  | 'bfloat16';

interface DTypeInfo {
  readonly code: number;
  readonly bytes: number;
  /** How the elements are held in memory (float16/bfloat16 as raw 16-bit words). */
  readonly array: 'f32' | 'f64' | 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'str';
}

export const dtypes = {
  float32: { code: 1, bytes: 4, array: 'f32' },
  uint8: { code: 2, bytes: 1, array: 'u8' },
  int8: { code: 3, bytes: 1, array: 'i8' },
  uint16: { code: 4, bytes: 2, array: 'u16' },
  int16: { code: 5, bytes: 2, array: 'i16' },
  int32: { code: 6, bytes: 4, array: 'i32' },
  int64: { code: 7, bytes: 8, array: 'i64' },
  string: { code: 8, bytes: 0, array: 'str' },
  bool: { code: 9, bytes: 1, array: 'u8' },
  float16: { code: 10, bytes: 2, array: 'u16' },
  float64: { code: 11, bytes: 8, array: 'f64' },
  uint32: { code: 12, bytes: 4, array: 'u32' },
  uint64: { code: 13, bytes: 8, array: 'u64' },
  bfloat16: { code: 16, bytes: 2, array: 'u16' },
} as const satisfies Record<DType, DTypeInfo>;

const byCode = new Map<number, DType>(
  (Object.entries(dtypes) as [DType, DTypeInfo][]).map(([name, info]) => [info.code, name]),
);

/** The DType of an ONNX data_type code, or undefined for types pare does not model (they stay opaque). */
export function dtypeFromCode(code: number): DType | undefined {
  return byCode.get(code);
}

export function dtypeCode(dtype: DType): number {
  return dtypes[dtype].code;
}

export function isFloatType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** A typed array of `length` zeros holding elements of `dtype`. */
export function allocTyped(dtype: DType, length: number): TypedArray {
  switch (dtypes[dtype].array) {
    case 'f32':
      return new Float32Array(length);
    case 'f64':
      return new Float64Array(length);
    case 'i8':
      return new Int8Array(length);
    case 'u8':
      return new Uint8Array(length);
    case 'i16':
      return new Int16Array(length);
    case 'u16':
      return new Uint16Array(length);
    case 'i32':
      return new Int32Array(length);
    case 'u32':
      return new Uint32Array(length);
    case 'i64':
      return new BigInt64Array(length);
    case 'u64':
      return new BigUint64Array(length);
    case 'str':
      throw new TypeError('string tensors have no typed array');
  }
}

/** A typed array view over little-endian bytes; copies when the bytes are not aligned. */
export function viewTyped(dtype: DType, bytes: Uint8Array): TypedArray {
  const size = dtypes[dtype].bytes;
  const length = bytes.byteLength / size;
  let buf = bytes;
  if (bytes.byteOffset % size !== 0) {
    // A copy into a fresh buffer (Buffer#slice would return another unaligned view).
    buf = new Uint8Array(bytes.byteLength);
    buf.set(bytes);
  }
  const { buffer, byteOffset } = buf;
  switch (dtypes[dtype].array) {
    case 'f32':
      return new Float32Array(buffer, byteOffset, length);
    case 'f64':
      return new Float64Array(buffer, byteOffset, length);
    case 'i8':
      return new Int8Array(buffer, byteOffset, length);
    case 'u8':
      return new Uint8Array(buffer, byteOffset, length);
    case 'i16':
      return new Int16Array(buffer, byteOffset, length);
    case 'u16':
      return new Uint16Array(buffer, byteOffset, length);
    case 'i32':
      return new Int32Array(buffer, byteOffset, length);
    case 'u32':
      return new Uint32Array(buffer, byteOffset, length);
    case 'i64':
      return new BigInt64Array(buffer, byteOffset, length);
    case 'u64':
      return new BigUint64Array(buffer, byteOffset, length);
    case 'str':
      throw new TypeError('string tensors have no typed array');
  }
}

/** The little-endian bytes of a typed array, without copying. */
export function bytesOf(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
