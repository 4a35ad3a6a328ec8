// Reading ONNX: file or bytes → Model (Graph IR). The only reader entry point. Weights stay views
// into the file's bytes (or lazy regions of external files) until something needs their values.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { createModel, type Model } from '../ir/model.js';
import { assertWellFormed } from '../ir/validate.js';
import { PareError } from '../util/errors.js';
import { closeHandle, ExternalFiles, openHandle } from './external-data.js';
import { graphFromProto } from './graph-proto.js';
import { type LazyScan, scanModelFile } from './lazy-scan.js';
import { ModelProtoSchema, type ModelProtoShallow, ModelProtoShallowSchema } from './proto/onnx_pb.js';
import { describeCut, sniffFormat } from './sniff.js';
import type { FileHandle } from './tensor-meta.js';
import { WireError } from './wire.js';

export interface ReadOptions {
  /** Directory external-data locations are relative to (defaults to the model file's folder). */
  readonly baseDir?: string;
  /**
   * Turn `Constant` nodes that hold a tensor into initializers (default true), so that weights
   * stored the Paddle2ONNX way look like any other weight. The writer turns them back into
   * Constant nodes unless their tensor was replaced.
   */
  readonly liftConstants?: boolean;
  /**
   * readModel only: raw_data of at least this many bytes is not read with the model but when the
   * tensor's values are first needed (default 1 MiB; Infinity reads everything at once).
   */
  readonly lazyBytes?: number;
}

export interface DecodeOptions extends ReadOptions {
  /** Name used in error messages. */
  readonly file?: string;
}

/**
 * Read an ONNX model file. Weights of at least `lazyBytes` stay in the file until their values are
 * needed (writing streams them); errors name the file and say what to do.
 */
export function readModel(file: string, options: ReadOptions = {}): Model {
  const decodeOptions = { ...options, file, baseDir: options.baseDir ?? path.dirname(file) };
  const lazyBytes = options.lazyBytes ?? 1 << 20;
  let opened: ReturnType<typeof openHandle>;
  try {
    opened = openHandle(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'ENOTREG'
            ? 'it is not a regular file'
            : String(cause);
    throw new PareError('PARE_IO', `cannot read model '${file}': ${why}`, {
      file,
      cause,
      notes: code === 'ENOENT' ? ['check the path'] : [],
    });
  }
  const scan = opened.size >= lazyBytes ? tryScan(opened.handle, opened.size, lazyBytes) : undefined;
  const lazy = scan !== undefined && scan.regions.size > 0;
  if (!lazy) closeHandle(opened.handle);
  if (scan) {
    try {
      // Without skipped data the compact bytes are the whole file.
      return decode(scan.compact, decodeOptions, lazy ? scan : undefined);
    } catch (e) {
      // With skipped data, read everything: the exact message (or, were the scan wrong, the model).
      if (!lazy) throw e;
    }
  }
  const bytes = fs.readFileSync(file);
  return decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), decodeOptions, undefined);
}

function tryScan(handle: FileHandle, size: number, lazyBytes: number): LazyScan | undefined {
  try {
    return scanModelFile(handle, size, lazyBytes);
  } catch (e) {
    if (e instanceof WireError) return undefined;
    throw e;
  }
}

/** Decode model bytes; external data is found relative to `baseDir` (none without it). */
export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): Model {
  return decode(bytes, options, undefined);
}

function decode(bytes: Uint8Array, options: DecodeOptions, scan: LazyScan | undefined): Model {
  const file = options.file ?? '<memory>';
  const mp = parse(bytes, file);
  const irVersion = Number(mp.irVersion);
  if (irVersion < 3) {
    throw new PareError(
      'PARE_BAD_MODEL',
      `model '${file}' has IR version ${irVersion}; pare reads IR versions 3 to 10`,
      { file, notes: ['re-export the model with a current exporter (opset 7 or newer)'] },
    );
  }
  const opsets = new Map<string, number>();
  for (const op of mp.opsetImport) opsets.set(op.domain, Number(op.version));
  const onnxOpset = opsets.get('') ?? opsets.get('ai.onnx');
  if (onnxOpset !== undefined && onnxOpset < 7) {
    throw new PareError(
      'PARE_BAD_MODEL',
      `model '${file}' uses ai.onnx opset ${onnxOpset}; pare reads opsets 7 to 21`,
      { file, notes: ['convert it: onnx.version_converter.convert_version(model, 13)'] },
    );
  }
  const external = options.baseDir === undefined ? undefined : new ExternalFiles(options.baseDir, file);
  const ctx = scan ? { file, external, scan } : { file, external };
  const graph = graphFromProto(mp.graph!, ctx, options.liftConstants ?? true);
  for (const [domain, version] of opsets) graph.opsets.set(domain, version);
  assertWellFormed(graph, file, new Set(mp.graph!.sparseInitializer.map((t) => t.values?.name ?? '')));
  const rest = create(ModelProtoSchema, { functions: mp.functions, trainingInfo: mp.trainingInfo });
  if (mp.$unknown) rest.$unknown = mp.$unknown;
  const extra = toBinary(ModelProtoSchema, rest);
  return createModel(graph, {
    irVersion,
    producerName: mp.producerName,
    producerVersion: mp.producerVersion,
    domain: mp.domain,
    modelVersion: Number(mp.modelVersion),
    docString: mp.docString,
    metadata: new Map(mp.metadataProps.map((e) => [e.key, e.value])),
    extra: extra.byteLength > 0 ? extra : undefined,
    path: options.file,
  });
}

/** Protobuf bytes → ModelProto (tensors undecoded), or an error saying what the bytes are. */
function parse(bytes: Uint8Array, file: string): ModelProtoShallow {
  if (bytes.byteLength === 0) {
    throw new PareError('PARE_BAD_MODEL', `'${file}' is empty (0 bytes), not an ONNX model`, {
      file,
      notes: ['the export or copy failed; produce the file again'],
    });
  }
  let mp: ModelProtoShallow | undefined;
  let failure: string | undefined;
  try {
    mp = fromBinary(ModelProtoShallowSchema, bytes);
  } catch (cause) {
    failure = String((cause as Error).message ?? cause);
  }
  if (mp?.graph && mp.irVersion !== 0n) return mp;
  const sniffed = sniffFormat(bytes);
  if (sniffed) {
    throw new PareError('PARE_BAD_MODEL', `'${file}' is not an ONNX model: it looks like ${sniffed.what}`, {
      file,
      notes: [sniffed.hint],
    });
  }
  const cut = failure !== undefined && /premature|EOF|out of range/i.test(failure);
  if (cut) {
    const where = describeCut(bytes);
    throw new PareError(
      'PARE_TRUNCATED',
      `model '${file}' is truncated: it ends ${where ?? 'early'}, after ${bytes.byteLength} bytes`,
      { file, notes: ['the file was cut short; copy or export it again'] },
    );
  }
  const why = failure ?? `no ${mp?.graph ? 'ir_version' : 'graph'} found`;
  throw new PareError('PARE_BAD_MODEL', `'${file}' is not an ONNX model (${why})`, {
    file,
    notes: ['pass a .onnx file exported by PyTorch, tf2onnx, paddle2onnx or pare'],
  });
}
