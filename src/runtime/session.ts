// The only importer of onnxruntime-node: sessions from an in-memory Model, feeds and fetches,
// capture of intermediate values. ORT failures are wrapped with the model and the stage.

import * as ort from 'onnxruntime-node';
import type { TypedArray } from '../ir/dtype.js';
import { cloneModel, type Model } from '../ir/model.js';
import { encodeModel } from '../onnx/write.js';
import { PareError } from '../util/errors.js';

export interface SessionOptions {
  /** Intra-op threads (default: ORT's choice, all cores). */
  readonly threads?: number;
  /** ORT graph optimisation level (default 'all'). */
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Execution providers, in order of preference (default ['cpu']). */
  readonly providers?: readonly string[];
  /** Name used in error messages (defaults to the model's path). */
  readonly label?: string;
  /** Extra ORT session options, passed through. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** A host tensor: dims plus typed data (float32, int64 as BigInt64Array, ...). */
export interface HostTensor {
  readonly dims: readonly number[];
  readonly data: TypedArray;
  /** ORT's element type name ('float32', 'int64', 'bool', ...) on results; optional on feeds. */
  readonly type?: string;
}

export type Feeds = Readonly<Record<string, HostTensor>>;

export class Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly label: string,
    private readonly file: string | undefined,
  ) {
    this.inputNames = session.inputNames;
    this.outputNames = session.outputNames;
  }

  static async create(model: Model, options: SessionOptions = {}): Promise<Session> {
    const label = options.label ?? model.path ?? model.graph.name;
    const bytes = encodeModel(model);
    try {
      const s = await ort.InferenceSession.create(bytes, {
        graphOptimizationLevel: options.optimization ?? 'all',
        // ORT's own log lines ('[E:onnxruntime:...]') would print before the typed error that says
        // the same with the file and what to do; only fatal ones stay.
        logSeverityLevel: 4,
        executionProviders: [...(options.providers ?? ['cpu'])],
        ...(options.threads !== undefined
          ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 }
          : {}),
        ...(options.extra ?? {}),
      } as ort.InferenceSession.SessionOptions);
      return new Session(s, label, model.path);
    } catch (cause) {
      throw wrap(cause, label, 'creating the ONNX Runtime session', model.path);
    }
  }

  /** Run and return the requested outputs (default: all) as host tensors. */
  async run(feeds: Feeds, fetches?: readonly string[]): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(t);
    let result: ort.InferenceSession.ReturnType;
    try {
      result = fetches ? await this.session.run(ortFeeds, [...fetches]) : await this.session.run(ortFeeds);
    } catch (cause) {
      throw wrap(cause, this.label, 'running the model', this.file);
    }
    const out: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(result)) {
      out[name] = { dims: [...t.dims], data: t.data as TypedArray, type: t.type };
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function toOrt(t: HostTensor): ort.Tensor {
  const d = t.data;
  const type =
    d instanceof Float32Array
      ? 'float32'
      : d instanceof BigInt64Array
        ? 'int64'
        : d instanceof Int32Array
          ? 'int32'
          : d instanceof Float64Array
            ? 'float64'
            : d instanceof Uint8Array
              ? 'uint8'
              : d instanceof Int8Array
                ? 'int8'
                : undefined;
  if (!type) throw new PareError('PARE_INTERNAL', `unsupported feed type ${d.constructor.name}`);
  return new ort.Tensor(type, d as never, [...t.dims]);
}

/** Refuse an execution provider this ONNX Runtime build does not know, before any work is done. */
export function checkProviders(providers: readonly string[]): void {
  const known = ort.listSupportedBackends();
  for (const p of providers)
    if (!known.some((b) => b.name === p))
      throw new PareError('PARE_CONFIG', `execution provider '${p}' is not one this ONNX Runtime knows`, {
        notes: [
          `known: ${known.map((b) => (b.bundled ? b.name : `${b.name} (needs its own libraries)`)).join(', ')}`,
        ],
      });
}

/** `file` only for a model read from disk: a built one (a latency-table layer, a clone) has its label. */
function wrap(cause: unknown, label: string, stage: string, file: string | undefined): PareError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new PareError('PARE_RUNTIME', `ONNX Runtime failed while ${stage} for '${label}': ${msg}`, {
    ...(file ? { file } : {}),
    cause,
    notes: ['run `pare inspect` on the model to check it; re-run with --debug for the full trace'],
  });
}

/**
 * Run a model and capture the values named in `names` (any intermediate value) besides its outputs.
 * The model is cloned; the captured values are added as graph outputs of the clone.
 */
export async function runCapturing(
  model: Model,
  feeds: Feeds,
  names: readonly string[],
  options: SessionOptions = {},
): Promise<Record<string, HostTensor>> {
  const m = cloneModel(model);
  for (const n of names) {
    const v = m.graph.mustValue(n);
    m.graph.addOutput(v);
  }
  const s = await Session.create(m, options);
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}
