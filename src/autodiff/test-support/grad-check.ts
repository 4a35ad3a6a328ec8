// Test support (not library code). Finite-difference check of one op's
// gradient rule: L = Σ_j <r_j, y_j> with fixed random cotangents r_j; the backward graph's <dL/dx_i, d>
// must match (L(x + εd) − L(x − εd)) / 2ε for random directions d, input by input, all through ORT.

import type { AttributeValue } from '../../ir/attribute.js';
import { Graph } from '../../ir/graph.js';
import { createModel } from '../../ir/model.js';
import type { Tensor } from '../../ir/tensor.js';
import type { Dim, Value } from '../../ir/value.js';
import { Rng } from '../../util/rng.js';
import { buildBackward } from '../backward.js';
import type { HostTensor, Open } from '../executor.js';

export type Float = 'float32' | 'float64';

export interface InputSpec {
  readonly shape: readonly number[];
  /** Differentiated (default) or a constant initializer with fixed data (axes, shapes, bounds). */
  readonly kind?: 'diff' | 'const' | 'fed';
  readonly data?: Tensor;
  /** Sample values away from kinks: |v| in [away, away + 1]. */
  readonly away?: number;
  /** Custom sampler for a differentiated input. */
  readonly sample?: (rng: Rng, n: number) => number[];
  /** Present in the node but not differentiated (e.g. PRelu slope when only x is checked). */
  readonly frozen?: boolean;
}

export interface OpCase {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly (InputSpec | null)[];
  readonly attrs?: Readonly<Record<string, AttributeValue>>;
  readonly outputs?: number;
  /** Outputs that feed the loss (default all). */
  readonly lossOutputs?: readonly number[];
  readonly dtype?: Float;
  readonly opset?: number;
  readonly eps?: number;
  readonly rtol?: number;
  readonly atol?: number;
  /** Mark dim 0 of input 0 and of the outputs symbolic ('N'). */
  readonly symbolicBatch?: boolean;
  readonly directions?: number;
  readonly seed?: number;
}

export interface CheckResult {
  readonly input: number;
  readonly analytic: number;
  readonly numeric: number;
}

const typed = (dtype: Float, values: ArrayLike<number>) =>
  dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);

/** Run the check; throws with the case name, input and both values on a mismatch. */
export async function checkGradient(c: OpCase, open: Open): Promise<CheckResult[]> {
  const dtype = c.dtype ?? 'float64';
  const elemType = dtype === 'float64' ? 11 : 1;
  const rng = new Rng(c.seed ?? 7);
  const opset = c.opset ?? 17;
  const nOut = c.outputs ?? 1;
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

  const data = new Map<number, Float32Array | Float64Array>();
  c.inputs.forEach((spec, i) => {
    if (!spec || spec.kind === 'const') return;
    const n = size(spec.shape);
    const values = spec.sample
      ? spec.sample(rng, n)
      : Array.from({ length: n }, () => {
          const a = spec.away;
          if (a === undefined) return rng.normal();
          return (rng.next() < 0.5 ? -1 : 1) * (a + rng.next());
        });
    data.set(i, typed(dtype, values));
  });

  const build = (outShapes?: readonly (readonly number[])[], outTypes?: readonly number[]) => {
    const g = new Graph(c.name);
    g.opsets.set('', opset);
    const ins = c.inputs.map((spec, i) => {
      if (!spec) return null;
      if (spec.kind === 'const') return g.addInitializer(`c${i}`, spec.data!);
      const shape: Dim[] = [...spec.shape];
      if (c.symbolicBatch && i === 0 && shape.length > 0) shape[0] = 'N';
      return g.addInput(`x${i}`, shape, elemType);
    });
    const outs = Array.from({ length: nOut }, (_, j) => `y${j}`);
    const node = g.addNode(c.op, ins, outs, { attrs: c.attrs ?? {} });
    node.outputs.forEach((o, j) => {
      const s: Dim[] | undefined = outShapes?.[j] ? [...outShapes[j]!] : undefined;
      if (s && c.symbolicBatch && s.length > 0) s[0] = 'N';
      o.type = { elemType: outTypes?.[j] ?? elemType, shape: s };
    });
    return { g, node };
  };

  const feedsAt = (overrides: Map<number, Float32Array | Float64Array>): Record<string, HostTensor> => {
    const f: Record<string, HostTensor> = {};
    c.inputs.forEach((spec, i) => {
      if (spec && spec.kind !== 'const')
        f[`x${i}`] = { dims: spec.shape, data: overrides.get(i) ?? data.get(i)! };
    });
    return f;
  };

  // Probe the output shapes with ORT itself.
  const probe = build();
  for (const o of probe.node.outputs) probe.g.addOutput(o);
  const ps = await open(createModel(probe.g));
  const probed = await ps.run(feedsAt(new Map()));
  await ps.release();
  const outShapes = probe.node.outputs.map((o) => probed[o.name]!.dims);
  const outTypes = probe.node.outputs.map((o) => elemTypeOf(probed[o.name]!.data));
  const isFloatOut = outTypes.map((t) => t === elemType);

  const { g, node } = build(outShapes, outTypes);
  const lossTerms: Value[] = [];
  const cot = new Map<string, HostTensor>();
  for (const j of c.lossOutputs ?? node.outputs.map((_, k) => k)) {
    if (!isFloatOut[j]) continue;
    const r = g.addInput(`r${j}`, outShapes[j]!, elemType);
    cot.set(r.name, {
      dims: outShapes[j]!,
      data: typed(
        dtype,
        Array.from({ length: size(outShapes[j]!) }, () => rng.normal()),
      ),
    });
    const prod = g.addNode('Mul', [node.output(j), r], [`p${j}`]).output();
    prod.type = node.output(j).type;
    const term = g.addNode('ReduceSum', [prod], [`s${j}`], { attrs: { keepdims: 0 } }).output();
    term.type = { elemType, shape: [] };
    lossTerms.push(term);
  }
  const loss = lossTerms.length === 1 ? lossTerms[0]! : g.addNode('Sum', lossTerms, ['loss']).output();
  loss.type = { elemType, shape: [] };
  const wrtIdx = c.inputs.flatMap((s, i) => (s && (s.kind ?? 'diff') === 'diff' && !s.frozen ? [i] : []));
  const wrt = wrtIdx.map((i) => node.input(i)!);
  const { grads } = buildBackward(g, loss, wrt);
  g.addOutput(loss);
  const gradNames = wrt.map((w) => {
    const gv = grads.get(w)!;
    const out = g.addNode('Identity', [gv], [`grad_${w.name}`]).output();
    g.addOutput(out);
    return out.name;
  });

  const s = await open(createModel(g));
  try {
    const run = async (over: Map<number, Float32Array | Float64Array>) =>
      s.run({ ...feedsAt(over), ...Object.fromEntries(cot) });
    const base = await run(new Map());
    const eps = c.eps ?? (dtype === 'float64' ? 1e-5 : 1e-2);
    const rtol = c.rtol ?? (dtype === 'float64' ? 1e-6 : 2e-3);
    const atol = c.atol ?? (dtype === 'float64' ? 1e-8 : 1e-4);
    const results: CheckResult[] = [];
    for (const [k, i] of wrtIdx.entries()) {
      const grad = base[gradNames[k]!]!;
      const x = data.get(i)!;
      if (grad.dims.join() !== c.inputs[i]!.shape.join()) {
        throw new Error(
          `${c.name}: gradient of input ${i} has dims [${grad.dims}], expected [${c.inputs[i]!.shape}]`,
        );
      }
      for (let t = 0; t < (c.directions ?? 2); t++) {
        const d = Array.from({ length: x.length }, () => rng.uniform(-1, 1));
        const analytic = d.reduce((acc, v, j) => acc + v * Number(grad.data[j]), 0);
        const shifted = (sign: number) =>
          new Map([
            [
              i,
              typed(
                dtype,
                Array.from(x, (v, j) => v + sign * eps * d[j]!),
              ),
            ],
          ]);
        const plus = Number((await run(shifted(1)))[loss.name]!.data[0]);
        const minus = Number((await run(shifted(-1)))[loss.name]!.data[0]);
        const numeric = (plus - minus) / (2 * eps);
        results.push({ input: i, analytic, numeric });
        if (
          !(Math.abs(analytic - numeric) <= atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric)))
        ) {
          throw new Error(
            `${c.name}: input ${i} direction ${t}: analytic ${analytic}, finite difference ${numeric}`,
          );
        }
      }
    }
    return results;
  } finally {
    await s.release();
  }
}

function elemTypeOf(d: HostTensor['data']): number {
  if (d instanceof Float64Array) return 11;
  if (d instanceof Float32Array) return 1;
  if (d instanceof BigInt64Array) return 7;
  return 9;
}
