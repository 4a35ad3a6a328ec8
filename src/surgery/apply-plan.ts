// applyPlan: a new, smaller graph with the plan's channels physically removed. The input graph is
// never touched (clone first; constants are rebuilt, never written into).

import { analyzeChannels } from '../analysis/channel-groups.js';
import type { ChannelAnalysis } from '../analysis/channel-types.js';
import { handlerFor } from '../analysis/handlers/registry.js';
import { checkPlan, type PlanCheckOptions, type PruningPlan } from '../analysis/plan.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { validateGraph } from '../ir/validate.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { hasErrors } from '../util/diagnostics.js';
import { PareError } from '../util/errors.js';
import { Pruner, type ValueKeep } from './prune-context.js';

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

/** Kept positions of every tracked value (undefined keep where nothing is removed). */
export function valueKeeps(
  analysis: ChannelAnalysis,
  kept: ReadonlyMap<string, Int32Array>,
): Map<string, ValueKeep> {
  const masks = new Map<string, { axis: number; size: number; mask: Uint8Array | undefined }>();
  for (const group of analysis.groups) {
    const keep = kept.get(group.id);
    const drop = keep ? complement(keep, group.size) : [];
    for (const cv of group.values) {
      let m = masks.get(cv.value);
      if (!m) {
        m = { axis: cv.axis, size: cv.size, mask: undefined };
        masks.set(cv.value, m);
      }
      if (drop.length === 0) continue;
      m.mask ??= new Uint8Array(cv.size).fill(1);
      for (const i of drop) clear(m.mask, cv.indexMap, i, cv.block);
    }
  }
  const out = new Map<string, ValueKeep>();
  for (const [name, m] of masks) {
    const keep = m.mask ? indicesOf(m.mask) : undefined;
    out.set(name, { axis: m.axis, size: m.size, keep });
  }
  return out;
}

function indicesOf(mask: Uint8Array): Int32Array {
  const out: number[] = [];
  mask.forEach((x, i) => {
    if (x) out.push(i);
  });
  return Int32Array.from(out);
}

function clear(mask: Uint8Array, indexMap: Int32Array, channel: number, block: number): void {
  for (let k = channel * block; k < (channel + 1) * block; k++) mask[indexMap[k]!] = 0;
}

/** Channels of a group not in `keep` (ascending). */
export function complement(keep: Int32Array, size: number): number[] {
  const drop: number[] = [];
  let k = 0;
  for (let i = 0; i < size; i++) {
    if (k < keep.length && keep[k] === i) k++;
    else drop.push(i);
  }
  return drop;
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
