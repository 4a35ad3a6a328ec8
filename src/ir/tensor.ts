// Tensor: an immutable constant (initializer or attribute value). Data is decoded lazily and shared
// between graph clones; surgery always builds new Tensors instead of writing into old ones.

import { PareError } from '../util/errors.js';
import {
  allocTyped,
  bytesOf,
  type DType,
  dtypeFromCode,
  dtypes,
  type TypedArray,
  viewTyped,
} from './dtype.js';

/** Where a tensor's bytes live in an external-data file (ONNX `external_data`). */
export interface ExternalLocation {
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

type Source =
  | { kind: 'typed'; data: TypedArray }
  | { kind: 'raw'; bytes: Uint8Array }
  | { kind: 'lazy'; load: () => Uint8Array }
  | { kind: 'strings'; values: Uint8Array[] };

export class Tensor {
  /** ONNX data_type code; kept even for element types pare does not model (float8, int4, ...). */
  readonly dataType: number;
  readonly dims: readonly number[];
  /** Set when the tensor was read from (or should be written to) an external-data file. */
  external: ExternalLocation | undefined;
  private source: Source;
  private decoded: TypedArray | undefined;

  private constructor(dataType: number, dims: readonly number[], source: Source) {
    this.dataType = dataType;
    this.dims = Object.freeze([...dims]);
    this.source = source;
    if (source.kind === 'typed') this.decoded = source.data;
  }

  /** A tensor over typed data (not copied: do not write into `data` afterwards). */
  static from(dtype: DType, dims: readonly number[], data: TypedArray): Tensor {
    const t = new Tensor(dtypes[dtype].code, dims, { kind: 'typed', data });
    if (data.length !== t.size) {
      throw new RangeError(`Tensor.from: ${data.length} elements given for dims [${dims.join(', ')}]`);
    }
    return t;
  }

  static fromRaw(dataType: number, dims: readonly number[], bytes: Uint8Array): Tensor {
    return new Tensor(dataType, dims, { kind: 'raw', bytes });
  }

  static fromLazy(dataType: number, dims: readonly number[], load: () => Uint8Array): Tensor {
    return new Tensor(dataType, dims, { kind: 'lazy', load });
  }

  static fromStrings(dims: readonly number[], values: Uint8Array[]): Tensor {
    return new Tensor(dtypes.string.code, dims, { kind: 'strings', values });
  }

  static scalar(dtype: DType, value: number): Tensor {
    const data = allocTyped(dtype, 1);
    data[0] = (
      data instanceof BigInt64Array || data instanceof BigUint64Array ? BigInt(value) : value
    ) as never;
    return Tensor.from(dtype, [], data);
  }

  static float32(dims: readonly number[], values: ArrayLike<number>): Tensor {
    return Tensor.from('float32', dims, Float32Array.from(values));
  }

  static int64(dims: readonly number[], values: ArrayLike<number>): Tensor {
    return Tensor.from('int64', dims, BigInt64Array.from(Array.from(values, (v) => BigInt(v))));
  }

  /** Element type, or undefined for ONNX types pare keeps as opaque bytes. */
  get dtype(): DType | undefined {
    return dtypeFromCode(this.dataType);
  }

  get size(): number {
    let n = 1;
    for (const d of this.dims) n *= d;
    return n;
  }

  get isString(): boolean {
    return this.source.kind === 'strings';
  }

  /** Byte length of the data as written in raw_data. */
  get byteLength(): number {
    const dt = this.dtype;
    if (dt !== undefined && dt !== 'string') return this.size * dtypes[dt].bytes;
    return this.rawBytes().byteLength;
  }

  /** The elements as a typed array (float16/bfloat16 as raw Uint16 words). */
  get data(): TypedArray {
    if (this.decoded) return this.decoded;
    const dt = this.dtype;
    if (dt === undefined || dt === 'string') {
      throw new PareError(
        'PARE_UNSUPPORTED_OP',
        `tensor of ONNX data type ${this.dataType} has no numeric view`,
      );
    }
    const bytes = this.rawBytes();
    const expected = this.size * dtypes[dt].bytes;
    if (bytes.byteLength !== expected) {
      throw new PareError(
        'PARE_BAD_MODEL',
        `tensor data has ${bytes.byteLength} bytes, expected ${expected} for ${dt}[${this.dims.join(', ')}]`,
      );
    }
    this.decoded = viewTyped(dt, bytes);
    return this.decoded;
  }

  /** Float32 view; other float and integer types are converted (copy). */
  toFloat32(): Float32Array {
    const d = this.data;
    if (d instanceof Float32Array) return d;
    if (this.dtype === 'float16' || this.dtype === 'bfloat16') {
      throw new PareError(
        'PARE_UNSUPPORTED_OP',
        `${this.dtype} weights are not supported yet; convert the model to float32`,
      );
    }
    return Float32Array.from(d as ArrayLike<number | bigint>, Number);
  }

  /** Numbers (int64 converted; values beyond 2^53 lose precision and are clamped on write). */
  toNumbers(): number[] {
    return Array.from(this.data as ArrayLike<number | bigint>, Number);
  }

  /** Little-endian bytes as ONNX raw_data holds them; a view when possible. */
  rawBytes(): Uint8Array {
    switch (this.source.kind) {
      case 'raw':
        return this.source.bytes;
      case 'typed':
        return bytesOf(this.source.data);
      case 'lazy': {
        const bytes = this.source.load();
        this.source = { kind: 'raw', bytes };
        return bytes;
      }
      case 'strings':
        throw new PareError('PARE_INTERNAL', 'string tensors have no raw bytes');
    }
  }

  strings(): Uint8Array[] {
    if (this.source.kind !== 'strings') throw new PareError('PARE_INTERNAL', 'not a string tensor');
    return this.source.values;
  }

  /** True when the bytes have not been loaded from an external file yet. */
  get isLazy(): boolean {
    return this.source.kind === 'lazy';
  }

  /** Same data, other dims (element count must match). */
  reshape(dims: readonly number[]): Tensor {
    const t = new Tensor(this.dataType, dims, this.source);
    if (t.size !== this.size)
      throw new RangeError(`reshape: [${dims.join(', ')}] does not hold ${this.size} elements`);
    t.decoded = this.decoded;
    return t;
  }

  /** Elementwise equality of dims, type and bytes. */
  equals(other: Tensor): boolean {
    if (this.dataType !== other.dataType || this.dims.length !== other.dims.length) return false;
    if (this.dims.some((d, i) => d !== other.dims[i])) return false;
    if (this.isString || other.isString) {
      if (!(this.isString && other.isString)) return false;
      const a = this.strings();
      const b = other.strings();
      return a.length === b.length && a.every((s, i) => Buffer.compare(s, b[i]!) === 0);
    }
    return Buffer.compare(this.rawBytes(), other.rawBytes()) === 0;
  }
}
