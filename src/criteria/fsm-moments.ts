// Per-channel Gaussian moments of an activation, walked back through the graph to where they are
// known: a BatchNormalization output is N(β, γ²) (FSM's assumption: BN normalises its input), or a
// measured activation (calibration data, for models whose BN was folded at export).
// ReLU/Clip use the clipped-Gaussian moments; Add sums independent Gaussians (FSM's ResNet-50
// residual rule); pooling, padding and Flatten pass the moments through (the authors ignore MaxPool).

import { resolveConstant } from '../analysis/constants.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import type { ChannelStats } from '../measure/activation-stats.js';
import { clippedMoments } from './gaussian.js';

export interface Moments {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  /** Why these moments are not known (a leaf on the way was neither a BN nor measured). */
  readonly missing?: string;
}

export interface MomentsOptions {
  /** 'bn': BN parameters only; 'measured': measured pre-activations only; 'auto': BN, else measured. */
  readonly source: 'auto' | 'bn' | 'measured';
  /** γ < 0: |γ| (the distribution is symmetric) or the authors' clamp to 1e-5. */
  readonly negativeGamma: 'abs' | 'clamp';
}

/** How a walk resolves a value it cannot derive: measured statistics, or undefined (not measured). */
export type Measured = (value: Value) => ChannelStats | undefined;

export class MomentsWalk {
  /** Every leaf that had to be measured but was not, with the reason (what to measure). */
  readonly missing = new Map<string, string>();
  private readonly memo = new Map<string, Moments>();

  constructor(
    readonly graph: Graph,
    readonly options: MomentsOptions,
    private readonly measured: Measured,
  ) {}

  /** Moments per position of axis 1 of `v` (zeros, with `missing` set, when a leaf was unknown). */
  of(v: Value): Moments {
    let m = this.memo.get(v.name);
    if (!m) {
      m = this.derive(v);
      this.memo.set(v.name, m);
    }
    return m;
  }

  private derive(v: Value): Moments {
    const p = v.producer;
    const c = channels(v);
    if (p && p.domain === '') {
      const bn = p.opType === 'BatchNormalization' && this.options.source !== 'measured';
      if (bn) {
        const beta = resolveConstant(p.input(2))?.toFloat32();
        const gamma = resolveConstant(p.input(1))?.toFloat32();
        if (beta && gamma && beta.length === c && gamma.length === c) return this.fromBn(beta, gamma);
      }
      const derived = this.viaOp(p, c);
      if (derived) return derived;
    }
    return this.leaf(v, c, p);
  }

  private fromBn(beta: Float32Array, gamma: Float32Array): Moments {
    const fix = (g: number) => (g >= 0 ? g : this.options.negativeGamma === 'abs' ? -g : 1e-5);
    return {
      mean: new Float64Array(beta),
      variance: Float64Array.from(gamma, (g) => fix(g) ** 2),
    };
  }

  private leaf(v: Value, c: number, p: Node | null): Moments {
    const s = this.options.source === 'bn' ? undefined : this.measured(v);
    if (s && s.axis === 1 && s.mean.length === c) return { mean: s.mean, variance: s.variance };
    const what = p ? `${p.opType} '${p.name}' output '${v.name}'` : `'${v.name}'`;
    const missing =
      this.options.source === 'bn'
        ? `${what} has no BatchNormalization to model it (use source 'auto' with calibration data)`
        : `${what} has no BatchNormalization to model it and was not measured (needs calibration data)`;
    this.missing.set(v.name, missing);
    return { mean: new Float64Array(c), variance: new Float64Array(c), missing };
  }

  /** Moments through a known op, or undefined when the op is not modelled (the value is a leaf). */
  private viaOp(p: Node, c: number): Moments | undefined {
    const x = p.input(0);
    if (!x || x.const || channels(x) === 0) return undefined;
    switch (p.opType) {
      case 'Relu':
        return clip(this.of(x), 0, Infinity);
      case 'Clip': {
        const lo = bound(p, 1, 'min', -Infinity);
        const hi = bound(p, 2, 'max', Infinity);
        return lo === undefined || hi === undefined ? undefined : clip(this.of(x), lo, hi);
      }
      case 'MaxPool':
      case 'AveragePool':
      case 'GlobalAveragePool':
      case 'GlobalMaxPool':
      case 'Pad':
      case 'Identity':
      case 'Dropout':
        return channels(x) === c ? this.of(x) : undefined;
      case 'Flatten':
        return this.flatten(p, x, c);
      case 'Add':
      case 'Sum':
        return this.sum(p, c);
      case 'Concat':
        return this.concat(p, c);
      default:
        return undefined;
    }
  }

  private flatten(p: Node, x: Value, c: number): Moments | undefined {
    const cx = channels(x);
    if (p.attrInt('axis', 1) !== 1 || cx === 0 || c % cx !== 0) return undefined;
    const m = this.of(x);
    const per = c / cx;
    const rep = (a: Float64Array) => Float64Array.from({ length: c }, (_, i) => a[Math.floor(i / per)]!);
    return withMissing({ mean: rep(m.mean), variance: rep(m.variance) }, [m]);
  }

  private sum(p: Node, c: number): Moments | undefined {
    const mean = new Float64Array(c);
    const variance = new Float64Array(c);
    const parts: Moments[] = [];
    for (const x of p.inputs) {
      if (!x) continue;
      const k = resolveConstant(x);
      if (k) {
        const d = k.toFloat32();
        if (d.length !== 1 && d.length !== c) return undefined;
        for (let i = 0; i < c; i++) mean[i] = mean[i]! + d[d.length === 1 ? 0 : i]!;
        continue;
      }
      if (channels(x) !== c || x.type?.shape?.length !== p.outputs[0]?.type?.shape?.length) return undefined;
      const m = this.of(x);
      parts.push(m);
      for (let i = 0; i < c; i++) {
        mean[i] = mean[i]! + m.mean[i]!;
        variance[i] = variance[i]! + m.variance[i]!;
      }
    }
    return withMissing({ mean, variance }, parts);
  }

  private concat(p: Node, c: number): Moments | undefined {
    const rank = p.outputs[0]?.type?.shape?.length ?? 0;
    const axis = p.attrInt('axis', 1);
    if (axis !== 1 && axis !== 1 - rank) return undefined;
    const parts = p.inputs.map((x) => (x && !x.const && channels(x) > 0 ? this.of(x) : undefined));
    if (parts.some((m) => !m)) return undefined;
    const mean = new Float64Array(c);
    const variance = new Float64Array(c);
    let off = 0;
    for (const m of parts as Moments[]) {
      mean.set(m.mean, off);
      variance.set(m.variance, off);
      off += m.mean.length;
    }
    return off === c ? withMissing({ mean, variance }, parts as Moments[]) : undefined;
  }
}

/** Length of axis 1 (0 when unknown). */
export function channels(v: Value): number {
  const d = v.type?.shape?.[1];
  return typeof d === 'number' ? d : 0;
}

function clip(m: Moments, lo: number, hi: number): Moments {
  const mean = new Float64Array(m.mean.length);
  const variance = new Float64Array(m.mean.length);
  for (let i = 0; i < mean.length; i++) {
    const r = clippedMoments(m.mean[i]!, Math.sqrt(m.variance[i]!), lo, hi);
    mean[i] = r.mean;
    variance[i] = r.variance;
  }
  return withMissing({ mean, variance }, [m]);
}

function withMissing(m: Moments, from: readonly Moments[]): Moments {
  const missing = from.find((f) => f.missing)?.missing;
  return missing === undefined ? m : { ...m, missing };
}

/** Clip bound from input `input` (opset ≥ 11) or attribute `attr` (older); undefined: not constant. */
function bound(p: Node, input: number, attr: string, none: number): number | undefined {
  const v = p.input(input);
  if (v) {
    const t = resolveConstant(v);
    return t && t.size === 1 ? t.toFloat32()[0]! : undefined;
  }
  return p.attributes.has(attr) ? p.attrFloat(attr) : none;
}
