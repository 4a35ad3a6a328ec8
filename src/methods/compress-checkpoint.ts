// compressModel's checkpoint: the trainer's state (model + sidecar, train/checkpoint.ts) plus a JSON
// file with the schedule's position, the channels kept and the stages so far, written after the state
// so a JSON on disk always points at a complete state. Resume checks it belongs to the same run.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostTensor } from '../autodiff/executor.js';
import type { Model } from '../ir/model.js';
import { loadCheckpointState, saveCheckpoint } from '../train/checkpoint.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { PareError } from '../util/errors.js';
import type { CompressStage } from './compress-types.js';
import type { TrainingGradientsRecord } from './training-gradients.js';

export interface CompressCheckpoint {
  /** What must match on resume: model fingerprint, recipe, target, epochs, seed. */
  readonly run: string;
  /** Chunks trained so far (the next one to train). */
  readonly boundary: number;
  readonly kept: Record<string, number[]>;
  readonly removed: Record<string, number[]>;
  readonly stages: CompressStage[];
  readonly seconds: number;
  /** Gradient statistics of the training steps since the last prune event (recipe gradients: 'training'). */
  readonly gradients?: TrainingGradientsRecord;
  /** aip: where the adversarial warm-up counts from; the discriminator itself is `discriminator.f64`. */
  readonly game?: { readonly since: number; readonly numbers: number };
}

const stateFile = (dir: string) => join(dir, 'state.onnx');
const metaFile = (dir: string) => join(dir, 'compress.json');
const gameFile = (dir: string) => join(dir, 'discriminator.f64');

export function writeCompressCheckpoint(
  dir: string,
  model: Model,
  state: ReadonlyMap<string, HostTensor>,
  meta: CompressCheckpoint,
  seed: number,
  discriminator?: Float64Array,
): void {
  mkdirSync(dir, { recursive: true });
  saveCheckpoint(stateFile(dir), model, state, { epoch: meta.boundary, seed });
  if (discriminator) {
    // The boundary first: a file from a later boundary than the JSON (a crash between the two
    // writes) is refused on resume rather than mixed in.
    const bytes = new Float64Array(discriminator.length + 1);
    bytes[0] = meta.boundary;
    bytes.set(discriminator, 1);
    writeFileAtomic(gameFile(dir), [new Uint8Array(bytes.buffer)]);
  }
  writeFileAtomic(metaFile(dir), `${JSON.stringify(meta)}\n`);
}

export function readCompressCheckpoint(
  dir: string,
  run: string,
): { meta: CompressCheckpoint; state: Map<string, HostTensor>; discriminator?: Float64Array } | undefined {
  if (!existsSync(metaFile(dir))) return undefined;
  const meta = JSON.parse(readFileSync(metaFile(dir), 'utf8')) as CompressCheckpoint;
  if (meta.run !== run)
    throw new PareError('PARE_CONFIG', `checkpoint '${dir}' belongs to another run`, {
      file: metaFile(dir),
      notes: [
        `it was written for ${meta.run}`,
        `this run is ${run}`,
        'use the same model, method, target, epochs and seed, or another --checkpoint-dir',
      ],
    });
  const { state, epoch } = loadCheckpointState(stateFile(dir));
  if (epoch !== meta.boundary)
    throw new PareError(
      'PARE_CONFIG',
      `checkpoint '${dir}' is inconsistent (state at ${epoch}, schedule at ${meta.boundary})`,
      {
        file: metaFile(dir),
      },
    );
  if (!meta.game) return { meta, state };
  let bytes: Buffer;
  try {
    bytes = readFileSync(gameFile(dir));
  } catch (cause) {
    throw new PareError('PARE_IO', `checkpoint '${dir}' has no discriminator state`, {
      file: gameFile(dir),
      cause,
      notes: ['the run cannot be resumed from this directory: run again without --resume'],
    });
  }
  const numbers = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (numbers.length !== meta.game.numbers + 1 || numbers[0] !== meta.boundary)
    throw new PareError('PARE_CONFIG', `checkpoint '${dir}' is inconsistent (discriminator state)`, {
      file: gameFile(dir),
      notes: ['the run cannot be resumed from this directory: run again without --resume'],
    });
  return { meta, state, discriminator: numbers.subarray(1) };
}

export function toRecord(m: ReadonlyMap<string, Int32Array>): Record<string, number[]> {
  return Object.fromEntries([...m].map(([k, v]) => [k, [...v]]));
}

export function fromRecord(r: Record<string, number[]>): Map<string, Int32Array> {
  return new Map(Object.entries(r).map(([k, v]) => [k, Int32Array.from(v)]));
}
