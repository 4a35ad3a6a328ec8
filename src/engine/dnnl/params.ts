// The oneDNN engine's trained state: parameters (conv/Gemm weights in the blocked layout their primitive
// wants, the rest plain), their gradients and optimizer buffers in the same layout, and BN running
// statistics. Moved in and out as the training graph's state map (plain ONNX layout).

import type { StateKind, TrainingGraph } from '../../autodiff/training-graph.js';
import type { DnnlAddon, DnnlTensor, Handle } from '../../runtime/dnnl.js';
import type { HostTensor } from '../../runtime/session.js';
import { PareError } from '../../util/errors.js';

export interface Param {
  readonly name: string;
  /** ONNX dims */
  readonly dims: readonly number[];
  /** Values (blocked for conv weights once a plan exists). */
  w: DnnlTensor | Float32Array;
  g: DnnlTensor | Float32Array;
  /** Optimizer buffers by state kind (momentum, adam.m, adam.v), same layout as w. */
  readonly buffers: Map<StateKind, Float32Array>;
  readonly decay: boolean;
  /** kept fixed: no update (its gradient is still computed where it flows through) */
  readonly frozen: boolean;
  /** plain ONNX values waiting for the first plan to pick the layout */
  pending: Float32Array | undefined;
  /**
   * ONNX axes 0 and 1 swapped per group in the engine: Gemm with transB = 0 (W [F, K] held as
   * [K, F]) and ConvTranspose (W [C_in, C_out/g, kh, kw] held as oneDNN's [g, C_out/g, C_in/g, kh, kw])
   */
  readonly transposed: boolean;
  /** groups of a transposed ConvTranspose weight (1 otherwise) */
  readonly groups: number;
  /** has a channel mask (TrainingGraphOptions.masked): the layers see eff = w ⊙ mask */
  readonly masked: boolean;
  /** the mask over ONNX axis 0, as fed (all ones until set) */
  channels: Float32Array | undefined;
  /** the mask expanded to w's layout (rebuilt when the channels or the layout change) */
  mask: Float32Array | undefined;
  /** w ⊙ mask, what the layers compute with when masked */
  eff: DnnlTensor | Float32Array | undefined;
}

/** What the layers compute with: the masked weights when the parameter has a mask. */
export function live(p: Param): DnnlTensor | Float32Array {
  return p.eff ?? p.w;
}

export interface RunningStats {
  mean: Float32Array;
  var: Float32Array;
}

export function newParam(
  name: string,
  dims: readonly number[],
  data: Float32Array,
  o: {
    blocked: boolean;
    transposed: boolean;
    groups?: number;
    decay: boolean;
    frozen: boolean;
    masked: boolean;
  },
): Param {
  return {
    masked: o.masked,
    channels: o.masked ? new Float32Array(dims[0]!).fill(1) : undefined,
    mask: undefined,
    eff: o.masked && !o.blocked ? new Float32Array(data.length) : undefined,
    name,
    dims,
    w: data.slice(),
    g: new Float32Array(data.length),
    buffers: new Map(),
    decay: o.decay,
    frozen: o.frozen,
    pending: o.blocked ? data.slice() : undefined,
    transposed: o.transposed,
    groups: o.groups ?? 1,
  };
}

export function data(t: DnnlTensor | Float32Array): Float32Array {
  return t instanceof Float32Array ? t : t.data;
}

function isTensor(t: DnnlTensor | Float32Array): t is DnnlTensor {
  return !(t instanceof Float32Array);
}

export class ParamStore {
  constructor(
    private readonly d: DnnlAddon,
    readonly params: ReadonlyMap<string, Param>,
    readonly running: ReadonlyMap<string, RunningStats>,
  ) {}

  /** An optimizer buffer of p (zeros, in p's layout), created on first use. */
  buffer(p: Param, kind: StateKind): Float32Array {
    let b = p.buffers.get(kind);
    if (!b) {
      b = new Float32Array(data(p.w).length);
      p.buffers.set(kind, b);
    }
    return b;
  }

  /** Conv weights get the layout the first plan's primitive wants; everything else stays plain. */
  placeWeights(p: Param, hc: Handle<'conv' | 'deconv'>): void {
    if (!p.pending) return;
    const l = this.d.layout(hc, 'weights');
    const w = this.d.alloc(l);
    this.d.reorder({ data: transposeIf(p, p.pending, false), dims: l.dims }, w);
    for (const [kind, b] of p.buffers) {
      const t = this.d.alloc(l);
      this.d.reorder({ data: transposeIf(p, b, false), dims: l.dims }, t);
      p.buffers.set(kind, t.data);
    }
    p.w = w;
    p.g = this.d.alloc(l);
    if (p.masked) p.eff = this.d.alloc(l);
    p.mask = undefined;
    p.pending = undefined;
  }

  /** Set a parameter's channel mask (ONNX axis 0); takes effect at the next step. */
  setMask(name: string, channels: Float32Array): void {
    const p = this.mustParam(name);
    p.channels = channels.slice();
    p.mask = undefined;
  }

  /**
   * Before the forward pass: eff = w ⊙ mask for every masked parameter (the mask expanded to w's
   * layout when it changed; block padding stays 0 since w's padding is 0).
   */
  maskForward(): void {
    for (const p of this.params.values()) {
      if (!p.masked || p.pending) continue;
      p.mask ??= this.expandMask(p);
      const w = data(p.w);
      const e = data(p.eff!);
      const m = p.mask;
      for (let i = 0; i < w.length; i++) e[i] = w[i]! * m[i]!;
    }
  }

  /** After the backward pass: the gradient w.r.t. w is mask ⊙ the gradient w.r.t. eff. */
  maskGradients(): void {
    for (const p of this.params.values()) if (p.mask) multiply(data(p.g), p.mask);
  }

  /** After the optimizer: parameters and optimizer state held at zero where masked (as the graph). */
  maskState(): void {
    for (const p of this.params.values()) {
      if (!p.mask) continue;
      multiply(data(p.w), p.mask);
      for (const b of p.buffers.values()) multiply(b, p.mask);
    }
  }

  private expandMask(p: Param): Float32Array {
    const size = p.dims.reduce((a, b) => a * b, 1);
    const per = size / p.dims[0]!;
    const flat = new Float32Array(size);
    for (let i = 0; i < size; i++) flat[i] = p.channels![Math.floor(i / per)]!;
    const out = new Float32Array(data(p.w).length);
    this.fromPlain(p, flat, out);
    return out;
  }

  /** Write parameters, running statistics, optimizer state and masks into a state map. */
  read(tg: TrainingGraph, state: Map<string, HostTensor>): void {
    for (const m of tg.masks) {
      const p = this.mustParam(m.of);
      state.set(m.input, { dims: [m.channels], data: p.channels!.slice() });
    }
    for (const slot of tg.state) {
      const dims = [...slot.init.dims];
      if (slot.kind === 'bn.mean' || slot.kind === 'bn.var') {
        const r = this.mustRunning(slot.of);
        state.set(slot.input, { dims, data: (slot.kind === 'bn.mean' ? r.mean : r.var).slice() });
        continue;
      }
      const p = this.mustParam(slot.of);
      const buf = slot.kind === 'param' ? data(p.w) : this.buffer(p, slot.kind);
      state.set(slot.input, { dims, data: this.plain(p, buf, slot.kind === 'param') });
    }
  }

  /** Take parameters, running statistics, optimizer state and masks from a state map. */
  write(tg: TrainingGraph, state: ReadonlyMap<string, HostTensor>): void {
    for (const m of tg.masks) {
      const t = state.get(m.input);
      if (t) this.setMask(m.of, t.data as Float32Array);
    }
    for (const slot of tg.state) {
      const t = state.get(slot.input);
      if (!t) continue;
      const src = t.data as Float32Array;
      if (slot.kind === 'bn.mean' || slot.kind === 'bn.var') {
        const r = this.mustRunning(slot.of);
        (slot.kind === 'bn.mean' ? r.mean : r.var).set(src);
        continue;
      }
      const p = this.mustParam(slot.of);
      if (slot.kind === 'param' && p.pending) p.pending.set(src);
      else if (p.pending) this.buffer(p, slot.kind).set(src);
      else this.fromPlain(p, src, slot.kind === 'param' ? data(p.w) : this.buffer(p, slot.kind));
    }
  }

  private mustParam(name: string): Param {
    const p = this.params.get(name);
    if (!p) throw new PareError('PARE_INTERNAL', `dnnl engine: no parameter '${name}'`);
    return p;
  }

  private mustRunning(name: string): RunningStats {
    const r = this.running.get(name);
    if (!r) throw new PareError('PARE_INTERNAL', `dnnl engine: no running statistics '${name}'`);
    return r;
  }

  /** A parameter-layout buffer as plain ONNX data. */
  private plain(p: Param, buf: Float32Array, isParam: boolean): Float32Array {
    if (p.pending) return isParam ? p.pending.slice() : buf.slice();
    if (!isTensor(p.w)) return buf.slice();
    const flat = new Float32Array(p.dims.reduce((a, b) => a * b, 1));
    this.d.reorder({ data: buf, desc: p.w.desc }, { data: flat, dims: p.w.dims });
    return transposeIf(p, flat, true);
  }

  private fromPlain(p: Param, src: Float32Array, into: Float32Array): void {
    if (!isTensor(p.w)) {
      into.set(src);
      return;
    }
    this.d.reorder({ data: transposeIf(p, src, false), dims: p.w.dims }, { data: into, desc: p.w.desc });
  }
}

function multiply(a: Float32Array, m: Float32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! * m[i]!;
}

/**
 * ONNX [g·a, b, ...inner] ↔ the engine's [g, b, a, ...inner] (Gemm transB = 0: g = 1, no inner;
 * ConvTranspose: a = C_in/g, b = C_out/g, inner = kh·kw). toOnnx: back to ONNX's order.
 */
function transposeIf(p: Param, src: Float32Array, toOnnx: boolean): Float32Array {
  if (!p.transposed) return src;
  const g = p.groups;
  const inner = p.dims.slice(2).reduce((x, y) => x * y, 1);
  const a = p.dims[0]! / g;
  const b = p.dims[1]!;
  const [r, c] = toOnnx ? [b, a] : [a, b];
  const out = new Float32Array(src.length);
  for (let q = 0; q < g; q++)
    for (let i = 0; i < r; i++)
      for (let j = 0; j < c; j++) {
        const from = ((q * r + i) * c + j) * inner;
        const to = ((q * c + j) * r + i) * inner;
        for (let k = 0; k < inner; k++) out[to + k] = src[from + k]!;
      }
  return out;
}
