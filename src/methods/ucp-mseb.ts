// UCP's modified squeeze-and-excitation blocks (MSEB, methods-addendum §6, the authors' se_module):
// global average pool → 1×1 conv (C → C/16, no bias) → ReLU → 1×1 conv (→ C) → sigmoid, multiplied
// into the feature map; when C ≤ 16 the bottleneck is 1 channel wide and both convs have biases.
// One MSEB goes on every internal channel group made by a single k×k (k > 1) convolution: the inner
// width of a basic block (the authors: after bn1, before the ReLU), the middle 3×3 of a bottleneck
// (the authors: after its ReLU; here before it, which scales the same output since s > 0 commutes with
// ReLU, but pools the pre-ReLU map), a VGG conv (the authors: before BN; here after it). Residual
// streams get none: their width stays, as in the authors' ImageNet ResNets.

import { analyzeChannels } from '../analysis/channel-groups.js';
import { isPrunable } from '../analysis/channel-types.js';
import { cloneModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { PareError } from '../util/errors.js';
import { Rng } from '../util/rng.js';

export interface MsebOptions {
  /** Bottleneck reduction (default 16, the authors'). */
  readonly reduction?: number;
  /** Seed of the MSEB weights (PyTorch's Linear default, U(±1/√fan_in)). */
  readonly seed?: number;
}

export interface MsebSite {
  /** The channel group the MSEB measures (its producer conv's name). */
  readonly group: string;
  readonly conv: string;
  /** The feature map the excitation multiplies. */
  readonly at: string;
  /** The sigmoid output, [N, C, 1, 1]: the per-channel importance. */
  readonly excitation: string;
  readonly channels: number;
  /** Spatial size of the feature map ("H×W"): blocks of one stage share it. */
  readonly spatial: string;
  /** The MSEB's own parameters (everything else is the frozen backbone). */
  readonly params: readonly string[];
}

/** A copy of `model` with an MSEB on every site, and the sites in graph order. */
export function insertMsebs(model: Model, options: MsebOptions = {}): { model: Model; sites: MsebSite[] } {
  const m = cloneModel(model);
  const g = m.graph;
  inferShapes(g);
  const analysis = analyzeChannels(g);
  const rng = new Rng(options.seed ?? 0);
  const reduction = options.reduction ?? 16;
  const sites: MsebSite[] = [];
  for (const group of analysis.groups) {
    if (!isPrunable(group)) continue;
    const producers = group.members.filter((mb) => mb.kind === 'out');
    if (producers.length !== 1 || producers[0]!.opType !== 'Conv') continue;
    const conv = g.node(producers[0]!.node);
    if (!conv || conv.attrInt('group', 1) !== 1) continue;
    const kernel = conv.attrInts('kernel_shape') ?? conv.input(1)?.const?.dims.slice(2) ?? [];
    if (kernel.reduce((a, b) => a * b, 1) <= 1) continue;
    let at: Value = conv.output(0);
    const next = at.uses.length === 1 ? at.uses[0]!.node : undefined;
    if (next?.opType === 'BatchNormalization' && next.outputs.slice(1).every((o) => o.uses.length === 0))
      at = next.output(0);
    const shape = at.type?.shape;
    const c = shape?.[1];
    if (typeof c !== 'number' || c !== group.size || shape?.length !== 4) continue;
    sites.push(addMseb(g, conv.name, group.id, at, c, reduction, rng));
  }
  if (sites.length === 0)
    throw new PareError('PARE_UNSUPPORTED_OP', `model '${model.path ?? g.name}' has no site for an MSEB`, {
      notes: ['UCP needs prunable channel groups made by a single k×k convolution (k > 1)'],
    });
  g.toposort();
  return { model: m, sites };
}

function addMseb(
  g: Model['graph'],
  conv: string,
  group: string,
  at: Value,
  c: number,
  reduction: number,
  rng: Rng,
): MsebSite {
  const uses = [...at.uses];
  const wasOutput = g.outputs.indexOf(at);
  const small = c <= reduction;
  const r = small ? 1 : Math.floor(c / reduction);
  const base = `${conv}.mseb`;
  const weight = (name: string, dims: number[], fanIn: number) => {
    const bound = 1 / Math.sqrt(fanIn);
    const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () =>
      rng.uniform(-bound, bound),
    );
    return g.addInitializer(g.uniqueName(name), Tensor.from('float32', dims, data));
  };
  const w1 = weight(`${base}.fc1.weight`, [r, c, 1, 1], c);
  const w2 = weight(`${base}.fc2.weight`, [c, r, 1, 1], r);
  const b1 = small ? weight(`${base}.fc1.bias`, [r], c) : null;
  const b2 = small ? weight(`${base}.fc2.bias`, [c], r) : null;
  const one = { kernel_shape: [1, 1] };
  const pooled = g.addNode('GlobalAveragePool', [at], [g.uniqueName(`${base}.pool`)]).output(0);
  const squeezed = g.addNode('Conv', [pooled, w1, b1], [g.uniqueName(`${base}.fc1`)], { attrs: one });
  const relu = g.addNode('Relu', [squeezed.output(0)], [g.uniqueName(`${base}.relu`)]).output(0);
  const excited = g.addNode('Conv', [relu, w2, b2], [g.uniqueName(`${base}.fc2`)], { attrs: one });
  const s = g.addNode('Sigmoid', [excited.output(0)], [g.uniqueName(`${base}.excitation`)]).output(0);
  const y = g.addNode('Mul', [at, s], [g.uniqueName(`${base}.out`)]).output(0);
  const [n, , h, w] = at.type!.shape!;
  s.type = { elemType: 1, shape: [n!, c, 1, 1] };
  y.type = at.type;
  for (const u of uses) u.node.setInput(u.index, y);
  if (wasOutput >= 0) g.outputs[wasOutput] = y;
  return {
    group,
    conv,
    at: at.name,
    excitation: s.name,
    channels: c,
    spatial: `${h}×${w}`,
    params: [w1, w2, b1, b2].filter((v): v is Value => v !== null).map((v) => v.name),
  };
}
