// An executor-specific rewrite of a (training-step) graph for ONNX Runtime's CPU provider: 2-D
// convolutions become ORT's internal NCHWc ops (domain com.microsoft.nchwc: ReorderInput, Conv,
// ReorderOutput) with their filters reordered inside the graph, and stride-1 ConvTransposes (data
// gradients) become Convs with the flipped, transposed filter first. ORT only picks its fast NCHWc
// kernels for constant filters on its own; this pass makes them run on fed and computed filters.
// Not a public ORT API: the version is pinned and `probeNchwcBlock` must succeed before use.

import { GradEmitter } from '../../../autodiff/emitter.js';
import { cloneModel, type Model } from '../../../ir/model.js';
import type { Node } from '../../../ir/node.js';
import type { Value } from '../../../ir/value.js';
import { type FilterLayout, reorderFilter } from './filter-layout.js';

export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

export interface LowerStats {
  readonly convs: number;
  readonly transposedConvs: number;
  readonly skipped: readonly string[];
}

/** A copy of `model` with its convolutions on ORT's NCHWc kernels (block size `block`). */
export function lowerToNchwc(model: Model, block: number, stats?: { value?: LowerStats }): Model {
  const m = cloneModel(model);
  const g = m.graph;
  g.opsets.set(NCHWC_DOMAIN, 1);
  const e = new GradEmitter(g, 'nchwc');
  let convs = 0;
  let transposedConvs = 0;
  const skipped: string[] = [];
  for (const node of [...g.nodes]) {
    if (node.domain !== '') continue;
    let conv: Node | undefined = node;
    if (node.opType === 'ConvTranspose') {
      conv = convTransposeAsConv(e.scope(node.name), node);
      if (conv) transposedConvs++;
    }
    if (conv?.opType !== 'Conv') continue;
    if (lowerConv(e.scope(conv.name), conv, block)) convs++;
    else skipped.push(conv.name);
  }
  cancelReorders(m);
  g.toposort();
  if (stats) stats.value = { convs, transposedConvs, skipped };
  return m;
}

function dimsOf(v: Value | undefined): number[] | undefined {
  return (
    v?.staticShape ??
    (v?.type?.shape?.slice(1).every((d) => typeof d === 'number') ? (v.type.shape as number[]) : undefined)
  );
}

/** Stride-1 ConvTranspose(x, w) = Conv(x, flip(wᵀ)) with pads d·(k−1) − p. */
function convTransposeAsConv(e: GradEmitter, node: Node): Node | undefined {
  const [x, w] = [node.input(0), node.input(1)];
  const ws = w?.staticShape;
  const strides = node.attrInts('strides') ?? [1, 1];
  const group = node.attrInt('group', 1);
  if (!x || !w || ws?.length !== 4 || group !== 1 || strides.some((s) => s !== 1) || node.input(2))
    return undefined;
  if ((node.attrInts('output_padding') ?? []).some((p) => p !== 0) || node.attr('output_shape'))
    return undefined;
  if (node.attrString('auto_pad', 'NOTSET') !== 'NOTSET') return undefined;
  const kernel = ws.slice(2);
  const dil = node.attrInts('dilations') ?? [1, 1];
  const pads = (node.attrInts('pads') ?? [0, 0, 0, 0]).map((p, i) => dil[i % 2]! * (kernel[i % 2]! - 1) - p);
  if (pads.some((p) => p < 0)) return undefined;
  const flipped = e.op(
    'Slice',
    [
      e.transpose(w, [1, 0, 2, 3]),
      e.ints([-1, -1]),
      e.ints([-(2 ** 62), -(2 ** 62)]),
      e.ints([2, 3]),
      e.ints([-1, -1]),
    ],
    {},
    {
      shape: [ws[1]!, ws[0]!, ws[2]!, ws[3]!],
    },
  );
  const y = e.op(
    'Conv',
    [x, flipped],
    { kernel_shape: kernel, pads, dilations: dil },
    { shape: node.output().type?.shape },
  );
  substitute(e, node, y);
  return y.producer!;
}

function lowerConv(e: GradEmitter, node: Node, block: number): boolean {
  const [x, w, bias] = [node.input(0), node.input(1), node.input(2)];
  const xs = dimsOf(x);
  const ws = w?.staticShape;
  if (!x || !w || !xs || ws?.length !== 4 || xs.length !== 4) return false;
  const [o, i] = ws as [number, number];
  const c = xs[1]!;
  const group = node.attrInt('group', 1);
  let layout: FilterLayout;
  let blockedInput: boolean;
  if (o % block !== 0) return false;
  if (group === 1 && c % block === 0) [layout, blockedInput] = ['blocked', true];
  else if (group === 1 && c < block) [layout, blockedInput] = ['output-blocked', false];
  else if (group === c && i === 1 && o === c && c % block === 0)
    [layout, blockedInput] = ['output-blocked', true];
  else return false;
  const input = blockedInput
    ? e.op('ReorderInput', [x], {}, { domain: NCHWC_DOMAIN, shape: x.type?.shape })
    : x;
  const filter = reorderFilter(e, w, ws, NCHWC_DOMAIN, layout);
  const attrs: Record<string, number | string | readonly number[]> = {};
  for (const [k, a] of node.attributes)
    if (a.kind === 'ints' || a.kind === 'int' || a.kind === 'string') attrs[k] = a.value;
  const out = node.output();
  const y = e.op('Conv', bias ? [input, filter, bias] : [input, filter], attrs, {
    domain: NCHWC_DOMAIN,
    shape: out.type?.shape,
  });
  const back = e.op('ReorderOutput', [y], { channels: o }, { domain: NCHWC_DOMAIN, shape: out.type?.shape });
  substitute(e, node, back);
  return true;
}

/** Replace `node` (one output) by `by`; a graph output keeps its name. */
function substitute(e: GradEmitter, node: Node, by: Value): void {
  const out = node.output();
  const name = out.name;
  const isOutput = e.graph.outputs.includes(out);
  e.graph.replaceAllUses(out, by);
  e.graph.removeNode(node);
  if (isOutput) e.graph.renameValue(by, name);
}

/** ReorderInput(ReorderOutput(t)) is t when no channel padding is involved. */
function cancelReorders(m: Model): void {
  const g = m.graph;
  for (const n of [...g.nodes]) {
    if (n.domain !== NCHWC_DOMAIN || n.opType !== 'ReorderInput') continue;
    const p = n.input(0)?.producer;
    if (p?.domain !== NCHWC_DOMAIN || p.opType !== 'ReorderOutput') continue;
    g.replaceAllUses(n.output(), p.input(0)!);
    g.removeNode(n);
  }
}
