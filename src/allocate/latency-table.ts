// Per-layer latency measured on the target runtime: every convolution and fully connected layer is
// timed alone, in ONNX Runtime, at the batch, threads and execution provider of the target, on a
// grid of the widths pruning may leave it (its input and output channels at ¼, ½, ¾ and all of
// the original, rounded up to the round-to multiple it will be cut to). Identical layers (same op,
// attributes and dims) are timed once. The table is cached on disk, keyed by the layers, the
// setting and the CPU, so a second run on the same model and machine measures nothing.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attr } from '../ir/attribute.js';
import { Graph } from '../ir/graph.js';
import { createModel, type Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import { measureLatency } from '../runtime/latency.js';
import { cpuModel } from '../runtime/nchwc-block.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { Rng } from '../util/rng.js';

export interface LatencySetting {
  /** Batch the latency is measured at. */
  readonly batch: number;
  /** ORT intra-op threads (undefined: ORT's default). */
  readonly threads?: number;
  /** Execution providers in order (default ['cpu']). */
  readonly providers?: readonly string[];
}

/** One timed layer: its varying axes (input, output channels) and the grid of times over them. */
export interface LayerSpec {
  /** Identity of the layer shape: op, attributes, full dims. */
  readonly key: string;
  readonly node: Node;
  /** Which channel axes vary: input channels (dense conv, FC), output channels, or both tied (depthwise). */
  readonly kind: 'dense' | 'depthwise';
  /** Full input and output channel counts. */
  readonly cin: number;
  readonly cout: number;
  /** Per-sample input dims (channel axis 1) and weight dims at full width. */
  readonly inDims: readonly number[];
  readonly weightDims: readonly number[];
  /** Grid points of the input and output channel axes (a single point when that axis never changes). */
  readonly gridIn: readonly number[];
  readonly gridOut: readonly number[];
}

export interface LatencyTable {
  /** Where the table came from: measured now, or read from the cache file. */
  readonly source: 'measured' | 'cache';
  readonly file: string | undefined;
  readonly cpu: string;
  readonly seconds: number;
  /** Milliseconds per layer key, row-major over gridIn × gridOut. */
  readonly times: ReadonlyMap<string, readonly number[]>;
}

/** Grid of widths for an axis of n channels cut to multiples of `roundTo` (a single point if fixed). */
export function axisGrid(n: number, varies: boolean, roundTo: number): number[] {
  if (!varies) return [n];
  const r = n >= roundTo ? roundTo : 1;
  const pts = [0.25, 0.5, 0.75].map((q) => Math.min(n, Math.max(r, Math.ceil((q * n) / r) * r)));
  return [...new Set([...pts, n])].sort((a, b) => a - b);
}

/** A one-layer model of `spec` at the given widths and batch (random weights, ORT optimises it as in the model). */
export function layerModel(spec: LayerSpec, cin: number, cout: number, batch: number): Model {
  const g = new Graph(`latency-${spec.node.opType}`);
  g.opsets.set('', 17);
  const rng = new Rng(7);
  const node = spec.node;
  const depthwise = spec.kind === 'depthwise';
  const inDims = [batch, cin, ...spec.inDims.slice(2)];
  const x = g.addInput('x', inDims);
  let wDims: number[];
  if (node.opType === 'Conv') wDims = [cout, depthwise ? 1 : cin, ...spec.weightDims.slice(2)];
  else if (node.opType === 'Gemm' && node.attrInt('transB', 0) === 1) wDims = [cout, cin];
  else wDims = [cin, cout];
  const size = wDims.reduce((a, b) => a * b, 1);
  const w = g.addInitializer(
    'w',
    Tensor.from(
      'float32',
      wDims,
      Float32Array.from({ length: size }, () => 0.05 * rng.normal()),
    ),
  );
  const inputs = [x, w];
  if (node.opType !== 'MatMul' && node.inputs[2])
    inputs.push(g.addInitializer('b', Tensor.from('float32', [cout], new Float32Array(cout))));
  const attrs = Object.fromEntries(node.attributes);
  if (depthwise) attrs.group = attr('int', cout);
  const y = g.addNode(node.opType, inputs, ['y'], { attrs }).output();
  g.addOutput(y);
  return createModel(g);
}

/** The table for `layers` in `setting`: from the cache when present, else measured (and cached). */
export async function measureLayerTable(
  layers: readonly LayerSpec[],
  setting: LatencySetting,
  options: { readonly cacheDir?: string; readonly onLayer?: (done: number, total: number) => void } = {},
): Promise<LatencyTable> {
  const cpu = cpuModel();
  const unique = new Map<string, LayerSpec>();
  for (const l of layers) if (!unique.has(l.key)) unique.set(l.key, l);
  const keys = [...unique.keys()].sort();
  const providers = setting.providers ?? ['cpu'];
  const id = createHash('sha256')
    .update(
      JSON.stringify({ v: 2, keys, batch: setting.batch, threads: setting.threads ?? 0, providers, cpu }),
    )
    .digest('hex')
    .slice(0, 24);
  const file = options.cacheDir ? join(options.cacheDir, `latency-${id}.json`) : undefined;
  if (file && existsSync(file)) {
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as { times: Record<string, number[]> };
      if (keys.every((k) => Array.isArray(data.times[k])))
        return { source: 'cache', file, cpu, seconds: 0, times: new Map(Object.entries(data.times)) };
    } catch {
      // A damaged cache file is measured again and replaced.
    }
  }
  const t0 = performance.now();
  const times = new Map<string, number[]>();
  let done = 0;
  for (const key of keys) {
    const spec = unique.get(key)!;
    const row: number[] = [];
    for (const cin of spec.gridIn)
      for (const cout of spec.gridOut) {
        const c = spec.kind === 'depthwise' ? cout : cin;
        row.push(await timeLayer(layerModel(spec, c, cout, setting.batch), setting, providers));
      }
    times.set(key, row);
    options.onLayer?.(++done, keys.length);
  }
  if (file) {
    mkdirSync(options.cacheDir!, { recursive: true });
    const body = { cpu, setting: { ...setting, providers }, times: Object.fromEntries(times) };
    writeFileAtomic(file, `${JSON.stringify(body)}\n`);
  }
  return { source: 'measured', file, cpu, seconds: (performance.now() - t0) / 1000, times };
}

/**
 * Fastest of enough timed runs to cover ~60 ms (at least 5, at most 25) after a warm-up. The minimum,
 * not the median: on a shared machine one preempted thread of ORT's pool stalls a run 10× (measured:
 * a 128→128 3×3 conv at 28×28, 2 threads, load 20 on 2 cores: median 25 ms, fastest 2.4 ms), and a
 * table of such medians is noise. Whole-model comparisons stay interleaved medians.
 */
async function timeLayer(
  model: Model,
  setting: LatencySetting,
  providers: readonly string[],
): Promise<number> {
  const opts = {
    batch: setting.batch,
    providers,
    ...(setting.threads ? { threads: setting.threads } : {}),
  };
  const probe = await measureLatency(model, { ...opts, warmup: 1, runs: 3 });
  const runs = Math.max(5, Math.min(25, Math.ceil(60 / Math.max(probe.minMs, 0.01))));
  const r = await measureLatency(model, { ...opts, warmup: 1, runs });
  return Math.min(r.minMs, probe.minMs);
}
