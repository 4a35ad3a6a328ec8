// A Conv or Gemm seen as a linear map from patches to outputs, per convolution group: output j of
// group g is w_j · x + b_j, where x holds the dg = (C/G)·K patch values of the group's C/G input
// channels (K kernel positions each, channel-major as in W's memory order). Everything least
// squares does (statistics, refits, channel selection) works on this view.

import { resolveConstant } from '../analysis/constants.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { describeNode, PareError } from '../util/errors.js';

export interface LinearLayer {
  readonly node: string;
  readonly kind: 'conv' | 'gemm';
  /** Input channels C (Gemm: input features). */
  readonly inChannels: number;
  /** Outputs M. */
  readonly outChannels: number;
  /** Convolution groups G (1 for Gemm). */
  readonly groups: number;
  /** Kernel positions K per input channel (1 for Gemm). */
  readonly kernel: number;
  /** Conv attributes to reproduce the patch geometry (kernel_shape, strides, pads, dilations, auto_pad). */
  readonly convAttrs: Readonly<Record<string, number[] | string>>;
  /** Kernel shape (spatial). */
  readonly kernelShape: readonly number[];
}

/** Features per group: dg = (C/G)·K. */
export function groupFeatures(l: LinearLayer): number {
  return (l.inChannels / l.groups) * l.kernel;
}

/** Outputs per group: M/G. */
export function groupOutputs(l: LinearLayer): number {
  return l.outChannels / l.groups;
}

/** Why `node` cannot be seen as a linear layer, or undefined when it can. */
export function linearSkip(node: Node): string | undefined {
  if (node.domain !== '') return `${describeNode(node)} is not a standard ONNX op`;
  if (node.opType === 'Conv') {
    if (!resolveConstant(node.input(1))) return `${describeNode(node)} has a non-constant weight`;
    if (node.input(2) && !resolveConstant(node.input(2)))
      return `${describeNode(node)} has a non-constant bias`;
    return undefined;
  }
  if (node.opType === 'Gemm') {
    if (node.attrInt('transA', 0) !== 0) return `${describeNode(node)} uses transA`;
    if (node.attrFloat('alpha', 1) !== 1 || (node.input(2) && node.attrFloat('beta', 1) !== 1))
      return `${describeNode(node)} scales by alpha/beta`;
    if (!resolveConstant(node.input(1))) return `${describeNode(node)} has a non-constant weight`;
    const c = node.input(2) ? resolveConstant(node.input(2)) : undefined;
    if (node.input(2) && !c) return `${describeNode(node)} has a non-constant bias`;
    if (c && c.size !== c.dims.at(-1)) return `${describeNode(node)} has a bias that is not one per output`;
    return undefined;
  }
  return `${describeNode(node)} (${node.opType}) is not a Conv or Gemm`;
}

/** The linear view of a Conv or Gemm with constant weights (throws a typed error otherwise). */
export function linearLayer(graph: Graph, name: string): LinearLayer {
  const node = graph.node(name);
  if (!node) throw new PareError('PARE_INTERNAL', `no node '${name}' in graph '${graph.name}'`);
  const skip = linearSkip(node);
  if (skip) throw new PareError('PARE_UNSUPPORTED_OP', skip, { node });
  const w = resolveConstant(node.input(1))!;
  if (node.opType === 'Gemm') {
    const [a, b] = w.dims as [number, number];
    const transB = node.attrInt('transB', 0) !== 0;
    return {
      node: name,
      kind: 'gemm',
      inChannels: transB ? b : a,
      outChannels: transB ? a : b,
      groups: 1,
      kernel: 1,
      convAttrs: {},
      kernelShape: [],
    };
  }
  const groups = node.attrInt('group', 1);
  const kernelShape = w.dims.slice(2);
  const convAttrs: Record<string, number[] | string> = { kernel_shape: [...kernelShape] };
  for (const a of ['strides', 'pads', 'dilations'] as const) {
    const v = node.attrInts(a);
    if (v) convAttrs[a] = [...v];
  }
  const autoPad = node.attrString('auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET') convAttrs.auto_pad = autoPad;
  return {
    node: name,
    kind: 'conv',
    inChannels: w.dims[1]! * groups,
    outChannels: w.dims[0]!,
    groups,
    kernel: kernelShape.reduce((p, d) => p * d, 1),
    convAttrs,
    kernelShape,
  };
}

/** Weights as a row-major [M, dg] matrix (row j = output j's patch weights) and the bias (zeros if none). */
export function readLinear(graph: Graph, layer: LinearLayer): { weight: Float32Array; bias: Float32Array } {
  const node = graph.node(layer.node)!;
  const w = resolveConstant(node.input(1))!.toFloat32();
  const b = node.input(2) ? resolveConstant(node.input(2))!.toFloat32() : new Float32Array(layer.outChannels);
  if (layer.kind === 'gemm' && node.attrInt('transB', 0) === 0)
    return { weight: transpose(w, layer.inChannels, layer.outChannels), bias: Float32Array.from(b) };
  return { weight: Float32Array.from(w), bias: Float32Array.from(b) };
}

/** Write [M, dg] weights and a bias back into the node (new initializers; a bias is created if absent). */
export function writeLinear(
  graph: Graph,
  layer: LinearLayer,
  weight: Float32Array,
  bias: Float32Array,
): void {
  const node = graph.node(layer.node)!;
  const wv = node.input(1)!;
  const dims = resolveConstant(wv)!.dims;
  const data =
    layer.kind === 'gemm' && node.attrInt('transB', 0) === 0
      ? transpose(weight, layer.outChannels, layer.inChannels)
      : weight;
  node.setInput(1, freshConst(graph, wv, Tensor.from('float32', dims, data)));
  const bv = node.input(2);
  if (bv) node.setInput(2, freshConst(graph, bv, Tensor.from('float32', resolveConstant(bv)!.dims, bias)));
  else {
    const b = graph.addInitializer(
      graph.uniqueName(`${layer.node}.bias`),
      Tensor.from('float32', [layer.outChannels], bias),
    );
    node.setInput(2, b);
  }
}

/** A new initializer for `old`'s role, unless `old` is an initializer used only here (then it is replaced). */
function freshConst(graph: Graph, old: Value, t: Tensor): Value {
  if (old.const && old.uses.length === 1) {
    graph.setConst(old, t);
    return old;
  }
  return graph.addInitializer(graph.uniqueName(old.name), t);
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

/** Second-order statistics of a layer's input patches (and of a target output), summed over batches. */
export interface LayerStats {
  readonly layer: LinearLayer;
  /** Patch rows seen (samples × output positions). */
  readonly rows: number;
  /** [G, dg] sums of the features. */
  readonly sx: Float64Array;
  /** [G, dg, dg] sums of feature products. */
  readonly xx: Float64Array;
  /** With a target: [G, mg] sums, [G, dg, mg] cross products, [G, mg] sums of squares. */
  readonly sy?: Float64Array;
  readonly xy?: Float64Array;
  readonly yy?: Float64Array;
}
