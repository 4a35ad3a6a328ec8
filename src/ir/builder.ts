// GraphBuilder: terse verbs that build CNN graphs with seeded weights (used by the zoo and tests).
// It tracks static shapes of the values it makes, enough to size weights (e.g. Flatten → Gemm).

import { PareError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { AttributeValue } from './attribute.js';
import { Graph } from './graph.js';
import { Tensor } from './tensor.js';
import type { Dim, Value } from './value.js';

export type WeightInit =
  | 'kaiming-fan-out'
  | 'kaiming-fan-in'
  | 'linear'
  | 'zeros'
  | 'ones'
  | 'normal'
  /** Uniform in [-bound, bound] (PyTorch's Linear bias uses 1/sqrt(fan_in) of its weight). */
  | { readonly uniform: number }
  | Float32Array;

export interface ConvSpec {
  readonly out: number;
  readonly kernel: number | readonly [number, number];
  readonly stride?: number;
  readonly pad?: number | readonly [number, number, number, number];
  readonly dilation?: number;
  readonly group?: number;
  readonly bias?: boolean;
  readonly name?: string;
}

export interface PoolSpec {
  readonly kernel: number;
  readonly stride?: number;
  readonly pad?: number;
  readonly name?: string;
}

export class GraphBuilder {
  readonly graph: Graph;
  readonly rng: Rng;
  private readonly shapes = new Map<Value, Dim[]>();
  private counter = 0;
  /** Scalar bound initializers shared by every Clip with the same bound. */
  private readonly clipBounds = new Map<string, Value>();

  constructor(options: { name?: string; opset?: number; seed?: number } = {}) {
    this.graph = new Graph(options.name ?? 'model');
    this.graph.opsets.set('', options.opset ?? 13);
    this.rng = new Rng(options.seed ?? 0);
  }

  /** Graph input; the batch dim may be symbolic ('N'). */
  input(name: string, shape: readonly Dim[]): Value {
    const v = this.graph.addInput(name, shape);
    this.shapes.set(v, [...shape]);
    return v;
  }

  /** Graph output; it gets the shape the builder knows as its declared type. */
  output(v: Value): Value {
    const shape = this.shapes.get(v);
    if (!v.type && shape) v.type = { elemType: 1, shape };
    this.graph.addOutput(v);
    return v;
  }

  shape(v: Value): Dim[] {
    const s = this.shapes.get(v) ?? (v.const ? [...v.const.dims] : undefined);
    if (!s) throw new PareError('PARE_INTERNAL', `builder does not know the shape of '${v.name}'`);
    return s;
  }

  channels(v: Value): number {
    const c = this.shape(v)[1];
    if (typeof c !== 'number')
      throw new PareError('PARE_INTERNAL', `'${v.name}' has no static channel count`);
    return c;
  }

  name(prefix: string): string {
    return this.graph.uniqueName(`${prefix}${++this.counter}`);
  }

  /** A float32 initializer. */
  weight(name: string, dims: readonly number[], init: WeightInit): Value {
    const size = dims.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (init instanceof Float32Array) data = init;
    else {
      data = new Float32Array(size);
      const fanIn = dims.length > 1 ? size / dims[0]! : size;
      const fanOut = dims.length > 1 ? size / dims[1]! : size;
      if (init === 'ones') data.fill(1);
      else if (init === 'kaiming-fan-out') this.rng.fillNormal(data, Math.sqrt(2 / fanOut));
      else if (init === 'kaiming-fan-in') this.rng.fillNormal(data, Math.sqrt(2 / fanIn));
      else if (init === 'normal') this.rng.fillNormal(data, 1);
      else if (typeof init === 'object') {
        for (let i = 0; i < size; i++) data[i] = this.rng.uniform(-init.uniform, init.uniform);
      } else if (init === 'linear') {
        const bound = 1 / Math.sqrt(fanIn);
        for (let i = 0; i < size; i++) data[i] = this.rng.uniform(-bound, bound);
      }
    }
    return this.graph.addInitializer(this.graph.uniqueName(name), Tensor.from('float32', dims, data));
  }

  /** Integer constant initializer (shapes, axes). */
  ints(name: string, values: readonly number[]): Value {
    return this.graph.addInitializer(this.graph.uniqueName(name), Tensor.int64([values.length], values));
  }

  /** Generic single-output op; `shape` records the output shape when known. */
  op(
    opType: string,
    inputs: readonly (Value | null)[],
    attrs: Record<string, AttributeValue> = {},
    options: { name?: string; shape?: Dim[] } = {},
  ): Value {
    const name = options.name ?? this.name(opType.toLowerCase());
    const node = this.graph.addNode(opType, inputs, [this.graph.uniqueName(name)], { name, attrs });
    const out = node.output();
    const shape =
      options.shape ?? (inputs[0] && this.shapes.has(inputs[0]) ? [...this.shape(inputs[0])] : undefined);
    if (shape) this.shapes.set(out, shape);
    return out;
  }

  conv(x: Value, spec: ConvSpec): Value {
    const name = spec.name ?? this.name('conv');
    const [kh, kw] = typeof spec.kernel === 'number' ? [spec.kernel, spec.kernel] : spec.kernel;
    const group = spec.group ?? 1;
    const cin = this.channels(x);
    const w = this.weight(`${name}.weight`, [spec.out, cin / group, kh, kw], 'kaiming-fan-out');
    const inputs: Value[] = [x, w];
    if (spec.bias) inputs.push(this.weight(`${name}.bias`, [spec.out], 'zeros'));
    const p = spec.pad ?? 0;
    const pads = typeof p === 'number' ? [p, p, p, p] : [...p];
    const stride = spec.stride ?? 1;
    const dil = spec.dilation ?? 1;
    const [n, , h, wd] = this.shape(x);
    const outDim = (d: Dim, k: number, lo: number, hi: number): Dim =>
      typeof d === 'number' ? Math.floor((d + lo + hi - dil * (k - 1) - 1) / stride) + 1 : null;
    return this.op(
      'Conv',
      inputs,
      { kernel_shape: [kh, kw], pads, strides: [stride, stride], dilations: [dil, dil], group },
      {
        name,
        shape: [
          n ?? null,
          spec.out,
          outDim(h ?? null, kh, pads[0]!, pads[2]!),
          outDim(wd ?? null, kw, pads[1]!, pads[3]!),
        ],
      },
    );
  }

  batchNorm(x: Value, options: { name?: string; eps?: number; momentum?: number } = {}): Value {
    const name = options.name ?? this.name('bn');
    const c = this.channels(x);
    const scale = this.weight(`${name}.weight`, [c], 'ones');
    const bias = this.weight(`${name}.bias`, [c], 'zeros');
    const mean = this.weight(`${name}.running_mean`, [c], 'zeros');
    const variance = this.weight(`${name}.running_var`, [c], 'ones');
    return this.op(
      'BatchNormalization',
      [x, scale, bias, mean, variance],
      { epsilon: options.eps ?? 1e-5, momentum: options.momentum ?? 0.9 },
      { name },
    );
  }

  relu(x: Value, name?: string): Value {
    return this.op('Relu', [x], {}, name === undefined ? {} : { name });
  }

  /** Clip as of opset 11+: bounds are scalar initializer inputs (ReLU6 = clip(x, 0, 6)). */
  clip(x: Value, min: number, max: number, name?: string): Value {
    return this.op(
      'Clip',
      [x, this.clipBound('min', min), this.clipBound('max', max)],
      {},
      name === undefined ? {} : { name },
    );
  }

  add(a: Value, b: Value, name?: string): Value {
    return this.op('Add', [a, b], {}, name === undefined ? {} : { name });
  }

  mul(a: Value, b: Value, name?: string): Value {
    return this.op('Mul', [a, b], {}, name === undefined ? {} : { name });
  }

  concat(values: readonly Value[], name?: string): Value {
    const shape = [...this.shape(values[0]!)];
    shape[1] = values.reduce((s, v) => s + this.channels(v), 0);
    return this.op('Concat', values, { axis: 1 }, { ...(name === undefined ? {} : { name }), shape });
  }

  maxPool(x: Value, spec: PoolSpec): Value {
    return this.pool('MaxPool', x, spec);
  }

  avgPool(x: Value, spec: PoolSpec): Value {
    return this.pool('AveragePool', x, spec);
  }

  globalAvgPool(x: Value, name?: string): Value {
    const [n, c] = this.shape(x);
    return this.op(
      'GlobalAveragePool',
      [x],
      {},
      { ...(name === undefined ? {} : { name }), shape: [n ?? null, c ?? null, 1, 1] },
    );
  }

  flatten(x: Value, name?: string): Value {
    const s = this.shape(x);
    const rest = s.slice(1).every((d) => typeof d === 'number')
      ? (s.slice(1) as number[]).reduce((a, b) => a * b, 1)
      : null;
    return this.op(
      'Flatten',
      [x],
      { axis: 1 },
      { ...(name === undefined ? {} : { name }), shape: [s[0] ?? null, rest] },
    );
  }

  gemm(x: Value, out: number, options: { name?: string; bias?: boolean } = {}): Value {
    const name = options.name ?? this.name('fc');
    const cin = this.channels(x);
    const w = this.weight(`${name}.weight`, [out, cin], 'linear');
    const inputs: Value[] = [x, w];
    // PyTorch's nn.Linear: weight and bias both uniform in ±1/sqrt(in_features).
    if (options.bias ?? true)
      inputs.push(this.weight(`${name}.bias`, [out], { uniform: 1 / Math.sqrt(cin) }));
    return this.op(
      'Gemm',
      inputs,
      { alpha: 1, beta: 1, transB: 1 },
      { name, shape: [this.shape(x)[0] ?? null, out] },
    );
  }

  build(): Graph {
    return this.graph;
  }

  private clipBound(which: 'min' | 'max', bound: number): Value {
    const key = `${which}:${bound}`;
    let v = this.clipBounds.get(key);
    if (!v) {
      v = this.weight(`clip.${which}_${String(bound).replace('.', '_')}`, [], Float32Array.of(bound));
      this.clipBounds.set(key, v);
    }
    return v;
  }

  private pool(op: 'MaxPool' | 'AveragePool', x: Value, spec: PoolSpec): Value {
    const stride = spec.stride ?? spec.kernel;
    const pad = spec.pad ?? 0;
    const [n, c, h, w] = this.shape(x);
    const od = (d: Dim | undefined): Dim =>
      typeof d === 'number' ? Math.floor((d + 2 * pad - spec.kernel) / stride) + 1 : null;
    return this.op(
      op,
      [x],
      { kernel_shape: [spec.kernel, spec.kernel], strides: [stride, stride], pads: [pad, pad, pad, pad] },
      {
        ...(spec.name === undefined ? {} : { name: spec.name }),
        shape: [n ?? null, c ?? null, od(h), od(w)],
      },
    );
  }
}
