// inferShapesWithRuntime: static inference, then one sample run through ONNX Runtime for the values
// the static pass left untyped (ops without a rule, data-dependent shapes), then static inference
// again downstream. The sample's batch is 1; a symbolic batch name is kept where the static pass
// saw it on the producing node's input.

import { type DType, dtypeCode } from '../ir/dtype.js';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import type { Dim, Value } from '../ir/value.js';
import { type HostTensor, runCapturing } from '../runtime/session.js';
import type { Diagnostic } from '../util/diagnostics.js';
import { PareError } from '../util/errors.js';
import { formatShape } from './dims.js';
import { type InferShapesOptions, inferShapes } from './infer-shapes.js';
import { sampleFeeds } from './sample-feeds.js';

export interface RuntimeShapeOptions extends InferShapesOptions {
  /** ORT intra-op threads for the sample run (default 1: the run is small). */
  readonly threads?: number;
}

export async function inferShapesWithRuntime(
  model: Model,
  options: RuntimeShapeOptions = {},
): Promise<Diagnostic[]> {
  const graph = model.graph;
  const first = inferShapes(graph, options);
  const missing = incomplete(graph);
  if (missing.length === 0) return first;
  const batch = options.batch ?? 1;
  const feeds = sampleFeeds(graph, batch);
  const got = await runCapturing(
    model,
    feeds,
    missing.map((v) => v.name),
    { threads: options.threads ?? 1, optimization: 'disabled' },
  );
  const filled: Diagnostic[] = [];
  for (const v of missing) {
    const r = got[v.name];
    if (!r) continue;
    v.type = { elemType: v.type?.elemType ?? elemTypeOf(r, v), shape: mergeRuntime(v, r.dims, batch) };
    filled.push({
      code: 'PARE_UNSUPPORTED_OP',
      severity: 'info',
      text: `'${v.name}'${v.producer ? ` (${v.producer.opType} '${v.producer.name}')` : ''}: shape ${formatShape(v.type.shape)} taken from an ONNX Runtime sample run`,
      tensor: v.name,
    });
  }
  const second = inferShapes(graph, { ...options, keepUnresolved: true });
  return [...second, ...filled];
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

/** Runtime dims, keeping symbols the static pass had; a batch-sized leading dim takes the batch name. */
function mergeRuntime(v: Value, dims: readonly number[], batch: number): Dim[] {
  const known = v.type?.shape;
  if (known && known.length === dims.length) {
    return dims.map((d, i) => {
      const k = known[i]!;
      if (typeof k === 'number' && k !== d) {
        throw new PareError(
          'PARE_SHAPE',
          `'${v.name}': static inference gave ${formatShape(known)}, ONNX Runtime [${dims.join(', ')}]`,
          {
            tensor: v.name,
            ...(v.producer ? { node: v.producer } : {}),
            notes: ['this is a bug in a pare shape rule; please report it with the model'],
          },
        );
      }
      return typeof k === 'string' ? k : d;
    });
  }
  const lead = v.producer?.inputs.find((x) => x?.type?.shape)?.type?.shape?.[0];
  return dims.map((d, i) =>
    i === 0 && dims.length >= 2 && typeof lead === 'string' && d === batch ? lead : d,
  );
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
      {
        tensor: v.name,
      },
    );
  }
  return dtypeCode(dt);
}
