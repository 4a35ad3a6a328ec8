// What the ONNX layer remembers about a Tensor beyond its dtype, dims and bytes: the TensorProto
// fields pare does not model, the Constant node it was lifted from, the external file it can be
// streamed from. Kept beside the Tensor (keyed by identity) rather than in it: Tensors are
// immutable, so a tensor rebuilt by surgery starts clean, while clones share it all.

import type { Tensor } from '../ir/tensor.js';

/** A Constant node whose `value` the reader turned into an initializer; the writer puts it back. */
export interface ConstantOrigin {
  readonly nodeName: string;
  readonly docString: string | undefined;
  /** Encoded NodeProto fields pare does not model (metadata_props, unknown fields). */
  readonly nodeExtra: Uint8Array | undefined;
}

/** An open file; closed once nothing refers to it any more. */
export interface FileHandle {
  readonly fd: number;
  readonly path: string;
}

/** A region of an open file (external data, or raw_data left in the model file) that a lazy
 * tensor can be loaded or streamed from. */
export interface FileRegion {
  readonly handle: FileHandle;
  readonly offset: number;
  readonly length: number;
}

const protoRest = new WeakMap<Tensor, Uint8Array>();
const constantOrigin = new WeakMap<Tensor, ConstantOrigin>();
const fileRegion = new WeakMap<Tensor, FileRegion>();

/** Encoded TensorProto holding the fields pare does not model (doc_string, metadata, unknown fields). */
export function tensorProtoRest(t: Tensor): Uint8Array | undefined {
  return protoRest.get(t);
}

export function setTensorProtoRest(t: Tensor, rest: Uint8Array): void {
  protoRest.set(t, rest);
}

export function tensorConstantOrigin(t: Tensor): ConstantOrigin | undefined {
  return constantOrigin.get(t);
}

export function setTensorConstantOrigin(t: Tensor, origin: ConstantOrigin): void {
  constantOrigin.set(t, origin);
}

/** Where the bytes of a not yet loaded tensor can be read from (the writer streams them). */
export function tensorFileRegion(t: Tensor): FileRegion | undefined {
  return t.isLazy ? fileRegion.get(t) : undefined;
}

export function setTensorFileRegion(t: Tensor, region: FileRegion): void {
  fileRegion.set(t, region);
}
