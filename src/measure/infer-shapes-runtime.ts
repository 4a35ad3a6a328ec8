// inferShapesWithRuntime: static inference, then a sample run through ONNX Runtime for the values
// the static pass left untyped (ops without a rule, data-dependent shapes), then static inference
// again downstream. With a symbolic batch the sample runs at batch 1 and 2: a dim that follows the
// batch takes its symbol, one that changes otherwise stays unknown, so no dim is claimed that only
// holds for the sample's batch.

import { type DType, dtypeCode } from '../ir/dtype.js';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import type { Dim, Value } from '../ir/value.js';
import { formatShape } from '../ops/dims.js';
import { type InferShapesOptions, inferShapes } from '../ops/infer-shapes.js';
import { opSpecOf } from '../ops/registry.js';
import { sampleFeeds } from '../runtime/sample-feeds.js';
import { type HostTensor, runCapturing } from '../runtime/session.js';
import type { Diagnostic } from '../util/diagnostics.js';
import { PareError } from '../util/errors.js';

export interface RuntimeShapeOptions extends InferShapesOptions {
  /** ORT intra-op threads for the sample run (default 1: the run is small). */
  readonly threads?: number;
}

type Samples = Record<string, readonly HostTensor[]>;

export async function inferShapesWithRuntime(
  model: Model,
  options: RuntimeShapeOptions = {},
): Promise<Diagnostic[]> {
  const graph = model.graph;
  const first = inferShapes(graph, options);
  // Outputs of rule-less ops always take the sample's word, even over declared graph output types.
  const ruleless = graph.nodes
    .filter((n) => !opSpecOf(n))
    .flatMap((n) => n.outputs.filter((o) => o.name !== ''));
  const missing = [...new Set([...ruleless, ...incomplete(graph)])];
  if (missing.length === 0) return first;
  const symbol = options.batch === undefined ? batchSymbol(graph) : undefined;
  const samples = await runSamples(model, missing, symbol ? [1, 2] : [options.batch ?? 1], options.threads);
  const filled: Diagnostic[] = [];
  const done = new Set<Value>();
  const fill = (v: Value) => {
    const rs = samples[v.name];
    if (!rs?.length || done.has(v)) return;
    done.add(v);
    v.type = { elemType: v.type?.elemType ?? elemTypeOf(rs[0]!, v), shape: mergeRuntime(v, rs, symbol) };
    const by = v.producer ? ` (${v.producer.opType} '${v.producer.name}')` : '';
    filled.push({
      code: 'PARE_UNSUPPORTED_OP',
      severity: 'info',
      text: `'${v.name}'${by}: shape ${formatShape(v.type.shape)} taken from an ONNX Runtime sample run`,
      tensor: v.name,
    });
  };
  // Outputs of ops without a rule first; static inference then covers most of what follows them,
  // and only what is still unknown (data-dependent shapes) takes the samples' dims.
  for (const v of ruleless) {
    v.type = undefined;
    fill(v);
  }
  inferShapes(graph, { ...options, keepUnresolved: true });
  for (const v of incomplete(graph)) fill(v);
  const last = inferShapes(graph, { ...options, keepUnresolved: true });
  return [...last, ...filled];
}

async function runSamples(
  model: Model,
  values: readonly Value[],
  batches: readonly number[],
  threads = 1,
): Promise<Samples> {
  const names = values.map((v) => v.name);
  const out: Record<string, HostTensor[]> = {};
  for (const [k, batch] of batches.entries()) {
    const feeds = sampleFeeds(model.graph, batch);
    let got: Record<string, HostTensor>;
    try {
      got = await runCapturing(model, feeds, names, { threads, optimization: 'disabled' });
    } catch (e) {
      if (k === 0) throw e;
      break; // a model that hard-codes batch 1 in a Reshape: keep what batch 1 gave
    }
    for (const n of names) {
      const t = got[n];
      if (t) out[n] = [...(out[n] ?? []), t];
    }
  }
  return out;
}

/** The symbolic leading dim of the feed inputs, if they have one. */
function batchSymbol(graph: Graph): string | undefined {
  for (const v of graph.feedInputs) {
    const d = v.type?.shape?.[0];
    if (typeof d === 'string') return d;
  }
  return undefined;
}

/** Node outputs whose type or some dim is still unknown. */
function incomplete(graph: Graph): Value[] {
  const out: Value[] = [];
  for (const n of graph.nodes) {
    for (const o of n.outputs) {
      if (o.name !== '' && (!o.type?.shape || o.type.shape.includes(null))) out.push(o);
    }
  }
  return out;
}

/** Dims from the samples (batch 1, then 2 when the batch is symbolic), keeping static knowledge. */
function mergeRuntime(v: Value, samples: readonly HostTensor[], symbol: string | undefined): Dim[] {
  const [one, two] = samples.map((s) => s.dims);
  const sampled = one!.map((d, i): Dim => {
    if (!two || two[i] === d) return d;
    return d === 1 && two[i] === 2 && symbol !== undefined ? symbol : null;
  });
  const known = v.type?.shape;
  if (!known || known.length !== sampled.length) return sampled;
  return sampled.map((d, i) => {
    const k = known[i]!;
    if (typeof k === 'number' && typeof d === 'number' && k !== d) {
      throw new PareError(
        'PARE_SHAPE',
        `'${v.name}': static inference gave ${formatShape(known)}, ONNX Runtime ${formatShape(sampled)}`,
        {
          tensor: v.name,
          ...(v.producer ? { node: v.producer } : {}),
          notes: ['this is a bug in a pare shape rule; please report it with the model'],
        },
      );
    }
    return k ?? d;
  });
}

const ortTypes: Readonly<Record<string, DType>> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  bool: 'bool',
};

function elemTypeOf(r: HostTensor, v: Value): number {
  const dt = r.type === undefined ? undefined : ortTypes[r.type];
  if (!dt) {
    throw new PareError(
      'PARE_UNSUPPORTED_OP',
      `'${v.name}': ONNX Runtime returned element type '${r.type}', which pare does not model`,
      { tensor: v.name },
    );
  }
  return dtypeCode(dt);
}
