// computeCosts: per node and total parameters, MACs and activation bytes, per sample.
// Per sample means: symbolic dims count as 1, and a static batch (the leading dim of the graph
// inputs) is divided out of every rank ≥ 2 value whose leading dim equals it.

import { dtypeFromCode, dtypes } from '../ir/dtype.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Dim, Value } from '../ir/value.js';
import type { Diagnostic } from '../util/diagnostics.js';
import { inferShapes } from './infer-shapes.js';
import type { CostContext } from './op-spec.js';
import { findParamHandles } from './params.js';
import { opSpecOf } from './registry.js';
import { unknownCause } from './require-shape.js';

export interface NodeCost {
  readonly node: Node;
  readonly params: number;
  readonly macs: number;
  readonly activationBytes: number;
  readonly outputShape: readonly Dim[] | undefined;
}

export interface CostReport {
  readonly nodes: NodeCost[];
  readonly params: number;
  readonly macs: number;
  readonly activationBytes: number;
  /** Nodes whose MACs or activation size could not be counted (unknown shapes). */
  readonly diagnostics: Diagnostic[];
}

/** Costs of every node. Runs inferShapes first when some node output is untyped. */
export function computeCosts(graph: Graph): CostReport {
  const diagnostics: Diagnostic[] = [];
  if (graph.nodes.some((n) => n.outputs.some((o) => o.name !== '' && !o.type?.shape))) {
    diagnostics.push(...inferShapes(graph, { keepUnresolved: true }));
  }
  const perSample = perSampleDims(graph);
  const paramsOf = new Map<Node, number>();
  for (const p of findParamHandles(graph)) paramsOf.set(p.node, (paramsOf.get(p.node) ?? 0) + p.size);
  const nodes: NodeCost[] = [];
  let [params, macs, bytes] = [0, 0, 0];
  for (const node of graph.nodes) {
    const spec = opSpecOf(node);
    const ctx: CostContext = {
      input: (i) => perSample(node.input(i)),
      output: (i) => perSample(node.outputs[i]),
    };
    let m = 0;
    if (spec?.macs) {
      const r = spec.macs(node, ctx);
      if (r === undefined)
        diagnostics.push(
          uncounted(
            node,
            'MACs',
            node.inputs.find((x) => x && !perSample(x)),
          ),
        );
      else m = r;
    }
    let b = 0;
    for (const o of node.outputs) {
      if (o.name === '') continue;
      const dims = perSample(o);
      const size = o.type ? elemBytes(o.type.elemType) : undefined;
      if (!dims || size === undefined) {
        diagnostics.push(uncounted(node, `activation bytes of '${o.name}'`, o));
        continue;
      }
      b += dims.reduce((x, y) => x * y, 1) * size;
    }
    const p = paramsOf.get(node) ?? 0;
    nodes.push({ node, params: p, macs: m, activationBytes: b, outputShape: node.outputs[0]?.type?.shape });
    params += p;
    macs += m;
    bytes += b;
  }
  return { nodes, params, macs, activationBytes: bytes, diagnostics };
}

/** Per-sample dims of a value (see the top of this file); undefined when a dim is unknown. */
export function perSampleDims(graph: Graph): (v: Value | null | undefined) => number[] | undefined {
  const batch = staticBatch(graph);
  return (v) => {
    const s = v?.const ? v.const.dims : v?.type?.shape;
    if (!s || s.some((d) => d === null)) return undefined;
    const dims = s.map((d) => (typeof d === 'number' ? d : 1));
    if (batch !== undefined && !v?.const && dims.length >= 2 && dims[0] === batch) dims[0] = 1;
    return dims;
  };
}

/** The numeric leading dim shared by the graph's (rank ≥ 2) feed inputs, when > 1. */
function staticBatch(graph: Graph): number | undefined {
  const lead = graph.feedInputs
    .map((v) => v.type?.shape)
    .filter((s) => s && s.length >= 2)
    .map((s) => s![0]);
  const b = lead[0];
  return typeof b === 'number' && b > 1 && lead.every((d) => d === b) ? b : undefined;
}

function elemBytes(elemType: number): number | undefined {
  const dt = dtypeFromCode(elemType);
  return dt === undefined || dt === 'string' ? undefined : dtypes[dt].bytes;
}

function uncounted(node: Node, what: string, v: Value | null | undefined): Diagnostic {
  const cause = v ? unknownCause(v) : undefined;
  return {
    code: 'PARE_SHAPE',
    severity: 'warning',
    text: `${node.opType} '${node.name}': ${what} not counted (shape unknown${cause ? `: ${cause.text}` : ''})`,
    node,
    notes: cause?.notes ?? ['fix dynamic dims with --input-shape, or run the runtime shape fallback first'],
  };
}
