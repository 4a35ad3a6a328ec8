// The oneDNN engine's program: the forward model (inference form, BatchNormalization nodes) walked in
// graph order, each node lowered by its op's entry in op-table.ts, with shapes from ops/ inference.
// Any node it can't run, or a parameter no layer updates, gives the reason instead.

import type { TrainingGraphOptions } from '../../autodiff/training-graph.js';
import { cloneModel, type Model } from '../../ir/model.js';
import type { Node } from '../../ir/node.js';
import type { Value } from '../../ir/value.js';
import { inferShapes } from '../../ops/infer-shapes.js';
import { findParams } from '../../ops/params.js';
import type { Layer, LowerContext } from './layers/layer.js';
import { lowerOf } from './op-table.js';
import { newParam, type Param, type RunningStats } from './params.js';

export interface Program {
  readonly layers: readonly Layer[];
  readonly input: string;
  readonly inputShape: [number, number, number];
  readonly logits: string;
  readonly classes: number;
  readonly params: Map<string, Param>;
  readonly running: Map<string, RunningStats>;
}

/** `kept`: values no layer may overwrite in place (gradient statistics read them in the backward). */
export function program(
  model: Model,
  o: TrainingGraphOptions,
  kept: readonly string[] = [],
): Program | { reason: string } {
  const m = cloneModel(model);
  const g = m.graph;
  const feeds = g.feedInputs;
  const input = o.input !== undefined ? feeds.find((v) => v.name === o.input) : feeds[0];
  if (!input || (o.input === undefined && feeds.length !== 1))
    return { reason: 'the batch input is ambiguous' };
  const ishape = input.type?.shape;
  if (ishape?.length !== 4 || !ishape.slice(1).every((x) => typeof x === 'number'))
    return { reason: `input '${input.name}' is not [N, C, H, W] with static C, H, W` };
  const logits = o.logits ?? g.outputs[0]?.name;
  if (!logits) return { reason: 'no logits output' };
  try {
    inferShapes(g);
  } catch (e) {
    return { reason: `shape inference: ${(e as Error).message}` };
  }
  const noDecay = new Set(o.noWeightDecay ?? []);
  const frozen = new Set(o.frozen ?? []);
  const masked = new Set(o.masked ?? []);
  const params = new Map<string, Param>();
  const running = new Map<string, RunningStats>();
  const produced = new Set([input.name]);
  const outputs = new Set(g.outputs);
  const tapped = new Set([...(o.loss?.features ?? []).map((f) => f.student), ...kept]);
  const constOf = (node: Node, i: number): Float32Array | undefined => {
    const v = node.input(i);
    return v?.const?.dtype === 'float32' ? v.const.toFloat32() : undefined;
  };
  const ctx: Omit<LowerContext, 'where'> = {
    act: (node, i) => {
      const v = node.input(i);
      return v && produced.has(v.name) ? v.name : undefined;
    },
    shape: (name) => {
      const s = g.value(name)?.type?.shape;
      if (!s || s.length < 2 || !s.slice(1).every((x) => typeof x === 'number')) return undefined;
      return s.slice(1) as number[];
    },
    param: (node, i, po = {}) => {
      const v = node.input(i)!;
      const values = constOf(node, i);
      if (!values || params.has(v.name) || running.has(v.name)) return undefined; // shared: not handled
      params.set(
        v.name,
        newParam(v.name, v.const!.dims, values, {
          blocked: po.blocked ?? false,
          transposed: po.transposed ?? false,
          groups: po.groups ?? 1,
          decay: !noDecay.has(v.name),
          frozen: frozen.has(v.name),
          masked: masked.has(v.name),
        }),
      );
      return v.name;
    },
    running: (node, mi, vi) => {
      const mean = node.input(mi);
      const vr = node.input(vi);
      const mv = constOf(node, mi);
      const vv = constOf(node, vi);
      if (!mean || !vr || !mv || !vv || running.has(mean.name) || running.has(vr.name)) return undefined;
      const r = { mean: mv.slice(), var: vv.slice() };
      running.set(mean.name, r);
      running.set(vr.name, r);
      return mean.name;
    },
    constant: (node, i) => node.input(i)?.const?.toNumbers(),
    dropout: (o.dropout ?? 'train') === 'train',
    used: (v: Value) => v.consumers.length > 0 || outputs.has(v),
    soleReader: (name) => {
      const v = g.value(name);
      return !!v && v.consumers.length === 1 && !outputs.has(v) && name !== logits && !tapped.has(name);
    },
  };
  const layers: Layer[] = [];
  for (const node of g.nodes) {
    const where = `${node.opType} node '${node.name}'`;
    const lower = lowerOf(node.opType);
    if (!lower) return { reason: `${where}: ${node.opType} is not supported by the dnnl engine` };
    const layer = lower(node, { ...ctx, where });
    if (typeof layer === 'string') return { reason: layer };
    layers.push(layer);
    produced.add(layer.output);
  }
  if (!produced.has(logits)) return { reason: `the logits '${logits}' are not computed by the plan` };
  // Every learnable parameter must be one the plan updates (anything else would silently stay fixed).
  for (const p of findParams(g)) {
    if (!params.has(p.value.name) && !frozen.has(p.value.name))
      return { reason: `parameter '${p.value.name}' is not used by a supported layer` };
  }
  const lshape = g.value(logits)?.type?.shape;
  const classes = lshape?.[1];
  if (lshape?.length !== 2 || typeof classes !== 'number')
    return { reason: `logits '${logits}' are not [N, classes]` };
  return {
    layers,
    input: input.name,
    inputShape: ishape.slice(1) as [number, number, number],
    logits,
    classes,
    params,
    running,
  };
}
