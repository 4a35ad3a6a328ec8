// Checkpoints: the model with its current weights (an ordinary ONNX file) plus a sidecar holding the
// optimizer state and the epoch, so `--resume` continues exactly where training stopped.
// Sidecar layout: 8-byte magic, 4-byte little-endian header length, JSON header, float32 payloads.

import { readFileSync } from 'node:fs';
import type { HostTensor } from '../autodiff/executor.js';
import type { Model } from '../ir/model.js';
import { writeModel } from '../onnx/write.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { PareError } from '../util/errors.js';

const MAGIC = 'PARETRN1';

export interface CheckpointHeader {
  readonly epoch: number;
  readonly seed: number;
  readonly tensors: readonly {
    readonly name: string;
    readonly dims: readonly number[];
    readonly offset: number;
    readonly length: number;
  }[];
}

export function sidecarPath(modelFile: string): string {
  return `${modelFile}.train`;
}

export function saveCheckpoint(
  file: string,
  model: Model,
  state: ReadonlyMap<string, HostTensor>,
  meta: { epoch: number; seed: number },
): void {
  const tensors: { name: string; dims: readonly number[]; offset: number; length: number }[] = [];
  const payloads: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of state) {
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    tensors.push({ name, dims: t.dims, offset, length: data.length });
    payloads.push(bytes);
    offset += bytes.byteLength;
  }
  const header = Buffer.from(
    JSON.stringify({ epoch: meta.epoch, seed: meta.seed, tensors } satisfies CheckpointHeader),
  );
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(header.byteLength, 8);
  // The sidecar first: a model file without its sidecar is still a valid model, the reverse is not.
  writeFileAtomic(sidecarPath(file), [prefix, header, ...payloads]);
  writeModel({ ...model, path: undefined }, file, { externalData: 'inline' });
}

export function loadCheckpointState(modelFile: string): {
  state: Map<string, HostTensor>;
  epoch: number;
  seed: number;
} {
  const file = sidecarPath(modelFile);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new PareError('PARE_IO', `cannot resume: no training state '${file}' next to '${modelFile}'`, {
      file,
      notes: ['--resume takes a checkpoint written by pare train (the .onnx with its .train sidecar)'],
    });
  }
  if (bytes.byteLength < 12 || bytes.toString('latin1', 0, 8) !== MAGIC) {
    throw new PareError('PARE_IO', `'${file}' is not a pare training-state file`, { file });
  }
  const len = bytes.readUInt32LE(8);
  const header = JSON.parse(bytes.toString('utf8', 12, 12 + len)) as CheckpointHeader;
  const base = 12 + len;
  const state = new Map<string, HostTensor>();
  for (const t of header.tensors) {
    const start = base + t.offset;
    if (start + t.length * 4 > bytes.byteLength)
      throw new PareError('PARE_IO', `'${file}' is truncated`, { file });
    const data = new Float32Array(t.length);
    new Uint8Array(data.buffer).set(bytes.subarray(start, start + t.length * 4));
    state.set(t.name, { dims: t.dims, data });
  }
  return { state, epoch: header.epoch, seed: header.seed };
}
