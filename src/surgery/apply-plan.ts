// applyPlan: a new, smaller graph with the plan's channels physically removed. The input graph is
// never touched (clone first; constants are rebuilt, never written into).

import { analyzeChannels } from '../analysis/channel-groups.js';
import type { ChannelAnalysis } from '../analysis/channel-types.js';
import { handlerFor } from '../analysis/handlers/registry.js';
import { checkPlan, type PlanCheckOptions, type PruningPlan } from '../analysis/plan.js';
import { type ValueKeep, valueKeeps } from '../analysis/value-keeps.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { validateGraph } from '../ir/validate.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { hasErrors } from '../util/diagnostics.js';
import { PareError } from '../util/errors.js';
import { Pruner } from './prune-context.js';

export interface ApplyOptions extends PlanCheckOptions {
  /** The analysis of `graph` when already computed (must be of this very graph). */
  readonly analysis?: ChannelAnalysis;
}

export function applyPlan(graph: Graph, plan: PruningPlan, options: ApplyOptions = {}): Graph {
  const analysis = options.analysis ?? analyzeChannels(graph);
  const kept = checkPlan(plan, graph, analysis, options);
  const values = valueKeeps(analysis, kept);
  const g = graph.clone();
  const pruner = new Pruner(g, values);
  for (const node of [...g.nodes]) {
    if (analysis.claimed.has(node.outputs[0]?.name ?? '') || !touches(node, values)) continue;
    handlerFor(node.opType, node.domain)?.prune?.(node, pruner);
  }
  pruner.removeDead();
  updateTypes(g, values, analysis);
  try {
    inferShapes(g, { keepUnresolved: true });
  } catch (cause) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    throw new PareError('PARE_INTERNAL', `surgery left inconsistent shapes: ${msg}`, { cause });
  }
  const problems = validateGraph(g).filter((d) => d.severity === 'error');
  if (hasErrors(problems))
    throw new PareError('PARE_INTERNAL', `surgery left an invalid graph: ${problems[0]!.text}`);
  return g;
}

function touches(node: Node, values: ReadonlyMap<string, ValueKeep>): boolean {
  for (const v of node.inputs) if (v && values.get(v.name)?.keep) return true;
  for (const v of node.outputs) if (values.get(v.name)?.keep) return true;
  return false;
}

/** New channel counts on tracked values; values inside rewritten patterns lose their stale shape. */
function updateTypes(g: Graph, values: ReadonlyMap<string, ValueKeep>, analysis: ChannelAnalysis): void {
  for (const [name, k] of values) {
    const v = g.value(name);
    if (!k.keep || !v?.type?.shape) continue;
    const shape = [...v.type.shape];
    shape[k.axis] = k.keep.length;
    v.type = { elemType: v.type.elemType, shape };
  }
  const heads = new Set(analysis.claimed.values());
  for (const node of g.nodes) {
    const first = node.outputs[0]?.name ?? '';
    if (!heads.has(first) && !(analysis.claimed.has(first) && !values.has(first))) continue;
    for (const o of node.outputs)
      if (!values.has(o.name) && o.type) o.type = { elemType: o.type.elemType, shape: undefined };
  }
}
