// One plan per batch size: every layer's primitives and buffers, forward closures in graph order and
// backward closures run in reverse. The gradient bookkeeping lives here, once for all layers: each
// value's gradient is borrowed from the first contribution (a consumer's dy passed through unchanged
// costs nothing), and later contributions (a value that fans out) are summed into the value's own
// buffer; temporaries for contributions are shared per layout. Gradient buffers come from a pool per
// layout and go back to it once no value's gradient refers to them (after the producer's backward),
// so a step holds a few gradients at a time instead of one per value (peak RSS; issue 10).

import type { DnnlAddon, DnnlTensor, Handle } from '../../runtime/dnnl.js';
import { PareError } from '../../util/errors.js';
import type { Act, BuildContext } from './layers/layer.js';
import type { ParamStore } from './params.js';
import type { Program } from './program.js';

/** One oneDNN primitive of a training step and the implementation oneDNN chose for it. */
export interface PrimitiveInfo {
  /** the ONNX value the layer computes */
  readonly layer: string;
  /** e.g. 'conv.bwd_weights', 'bn.fwd' */
  readonly primitive: string;
  readonly impl: string;
}

export interface Plan {
  readonly input: DnnlTensor;
  readonly forward: readonly (() => void)[];
  /** run in reverse */
  readonly backward: readonly (() => void)[];
  readonly primitives: readonly PrimitiveInfo[];
  /** forget last step's gradients */
  reset(): void;
  /** the dims of a value's tensor ([N, C, H, W], or [N, F, 1, 1] after a flatten) */
  dims(value: string): readonly number[];
  /** a value as plain [N, ...] floats (the logits, tapped features) */
  read(value: string, into: Float32Array): void;
  /** add plain floats to a value's gradient (the loss's gradient w.r.t. the logits or a feature) */
  seed(value: string, grad: Float32Array): void;
}

/** Called in the backward pass with a value and its whole gradient (both in the value's layout). */
export type GradientTap = (value: string, act: DnnlTensor, grad: DnnlTensor) => void;

export function buildPlan(
  d: DnnlAddon,
  prog: Program,
  store: ParamStore,
  n: number,
  bnThreads: number,
  taps: { readonly values: ReadonlySet<string>; readonly seen: GradientTap } | undefined = undefined,
): Plan {
  const [c0, h0, w0] = prog.inputShape;
  const input = d.alloc([n, c0, h0, w0]);
  const acts = new Map<string, Act>([[prog.input, { t: input, grad: false }]]);
  const forward: (() => void)[] = [];
  const backward: (() => void)[] = [];
  const primitives: PrimitiveInfo[] = [];
  /** this step's own gradient buffer of a value, and the owner of each buffer */
  const own = new Map<string, DnnlTensor>();
  const owner = new Map<DnnlTensor, string>();
  const cur = new Map<string, DnnlTensor | null>();
  /** how many values' current gradient is this buffer */
  const refs = new Map<DnnlTensor, number>();
  const pool = new Map<string, DnnlTensor[]>();
  const temps = new Map<string, DnnlTensor>();
  const adds = new Map<string, Handle<'add'>>();
  let layer = '';
  const key = (t: DnnlTensor) => `${t.format}:${t.dims.join('x')}`;
  const record = (kind: string, h: Handle<string>, which: readonly string[]) => {
    for (const w of which) primitives.push({ layer, primitive: `${kind}.${w}`, impl: d.impl(h, w) });
  };
  const act = (v: string): Act => {
    const a = acts.get(v);
    if (!a) throw new PareError('PARE_INTERNAL', `dnnl engine: '${v}' is not computed before its use`);
    return a;
  };
  const ownGrad = (v: string): DnnlTensor => {
    let t = own.get(v);
    if (!t) {
      const a = act(v).t;
      t = pool.get(key(a))?.pop() ?? d.alloc(a);
      own.set(v, t);
      owner.set(t, v);
    }
    return t;
  };
  const deref = (t: DnnlTensor) => {
    const n = (refs.get(t) ?? 1) - 1;
    refs.set(t, n);
    if (n > 0) return;
    const v = owner.get(t);
    if (v !== undefined && own.get(v) === t) own.delete(v);
    owner.delete(t);
    const k = key(t);
    if (!pool.has(k)) pool.set(k, []);
    pool.get(k)!.push(t);
  };
  const setCur = (v: string, t: DnnlTensor | null) => {
    const old = cur.get(v);
    if (t) refs.set(t, (refs.get(t) ?? 0) + 1);
    cur.set(v, t);
    if (old) deref(old);
  };
  const addHandle = (t: DnnlTensor): Handle<'add'> => {
    const k = key(t);
    let h = adds.get(k);
    if (!h) {
      h = d.addCreate({ dims: t.dims, layout: t });
      adds.set(k, h);
      record('add', h, ['fwd']);
    }
    return h;
  };
  const b: BuildContext = {
    d,
    n,
    bnThreads,
    act,
    define: (v, t, grad) => {
      acts.set(v, { t, grad });
    },
    param: (name) => {
      const p = store.params.get(name);
      if (!p) throw new PareError('PARE_INTERNAL', `dnnl engine: no parameter '${name}'`);
      return p;
    },
    running: (name) => store.running.get(name)!,
    placeWeights: (p, hc) => store.placeWeights(p, hc),
    forward: (f) => forward.push(f),
    backward: (f) => backward.push(f),
    gradOf: (v) => {
      const g = cur.get(v);
      if (!g) throw new PareError('PARE_INTERNAL', `dnnl engine: no gradient reached '${v}'`);
      return g;
    },
    target: (v) => {
      if (!cur.get(v)) return ownGrad(v);
      const t = act(v).t;
      const k = key(t);
      let tmp = temps.get(k);
      if (!tmp) {
        tmp = d.alloc(t);
        temps.set(k, tmp);
      }
      return tmp;
    },
    contribute: (v, g) => {
      const c = cur.get(v);
      if (!c) {
        setCur(v, g);
        return;
      }
      const o = ownGrad(v);
      d.add(addHandle(o), c, g, o);
      if (o !== c) setCur(v, o);
    },
    record,
  };
  for (const L of prog.layers) {
    layer = L.output;
    // runs after the layer's backward closures (the list runs in reverse): its output's gradient is
    // consumed, so the buffer goes back to the pool unless another value still borrows it
    const out = L.output;
    backward.push(() => setCur(out, null));
    L.build(b);
    // runs before the layer's backward closures: every consumer has contributed to the gradient
    if (taps?.values.has(out)) {
      const t = act(out).t;
      backward.push(() => {
        const g = cur.get(out);
        if (g) taps.seen(out, t, g);
      });
    }
  }
  layer = 'gradient sums';
  return {
    input,
    forward,
    backward,
    primitives,
    reset: () => {
      for (const v of acts.keys()) setCur(v, null);
    },
    dims: (v) => act(v).t.dims,
    read: (v, into) => d.reorder(act(v).t, { data: into, dims: act(v).t.dims }),
    seed: (v, grad) => {
      const g = b.target(v);
      d.reorder({ data: grad, dims: act(v).t.dims }, g);
      b.contribute(v, g);
    },
  };
}
