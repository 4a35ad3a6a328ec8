// Latency as a predicted cost: the time of a plan is the sum, over the convolution and fully
// connected layers, of their measured time (latency-table.ts) at the widths the plan leaves them,
// interpolated bilinearly on the measured grid. Everything else (activations, pooling, additions,
// mostly fused into the convolutions by ORT) is not tabled: the prediction is used as a ratio to
// the unpruned model's prediction, and pruneModel checks it against the whole model measured.

import { resolveConstant } from '../analysis/constants.js';
import type { CostModel, NodeDims } from '../analysis/cost-model.js';
import {
  axisGrid,
  type LatencySetting,
  type LatencyTable,
  type LayerSpec,
  measureLayerTable,
} from './latency-table.js';

export interface LatencyModelOptions extends LatencySetting {
  /** Kept widths are multiples of this (the grid is measured at such widths). */
  readonly roundTo?: number;
  /** Folder for cached tables (none: always measure). */
  readonly cacheDir?: string;
  readonly onLayer?: (done: number, total: number) => void;
}

export class LatencyModel {
  /** Predicted milliseconds of the unpruned model's tabled layers. */
  readonly baseMs: number;

  private constructor(
    private readonly costModel: CostModel,
    private readonly specs: readonly (LayerSpec | undefined)[],
    readonly table: LatencyTable,
  ) {
    this.baseMs = this.predictCounts(costModel.sizes);
  }

  /** Time the model's layers (or read them from the cache) for `setting`. */
  static async build(costModel: CostModel, options: LatencyModelOptions): Promise<LatencyModel> {
    const full = costModel.nodeDims(costModel.sizes);
    // Which axes pruning can change: every prunable group at one channel (blocked ones stay whole).
    const least = costModel.nodeDims(
      Int32Array.from(costModel.sizes, (n, i) => (costModel.blocked[i] ? n : 1)),
    );
    const specs = full.map((d, i) => layerSpec(d, least[i]!, options.roundTo ?? 1));
    const table = await measureLayerTable(
      specs.filter((s): s is LayerSpec => s !== undefined),
      options,
      {
        ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
        ...(options.onLayer ? { onLayer: options.onLayer } : {}),
      },
    );
    return new LatencyModel(costModel, specs, table);
  }

  /** Predicted milliseconds of the tabled layers with `kept[i]` channels in group i. */
  predictCounts(kept: ArrayLike<number>): number {
    let ms = 0;
    for (const l of this.predictLayers(kept)) ms += l.ms;
    return ms;
  }

  /** The same prediction layer by layer (graph order, tabled layers only), by node name. */
  predictLayers(kept: ArrayLike<number>): { readonly node: string; readonly ms: number }[] {
    const dims = this.costModel.nodeDims(kept);
    const out: { node: string; ms: number }[] = [];
    this.specs.forEach((spec, i) => {
      if (!spec) return;
      const d = dims[i]!;
      const cin = d.inputs[0]?.[1] ?? spec.cin;
      const cout = d.outputs[0]?.[spec.node.opType === 'Conv' ? 1 : d.outputs[0]!.length - 1] ?? spec.cout;
      out.push({
        node: spec.node.name || (spec.node.outputs[0]?.name ?? ''),
        ms: interpolate(spec, this.table.times.get(spec.key)!, cin, cout),
      });
    });
    return out;
  }

  /** Layers timed (distinct shapes) and layers predicted. */
  get layers(): { readonly distinct: number; readonly total: number } {
    const s = this.specs.filter((x) => x !== undefined);
    return { distinct: new Set(s.map((x) => x.key)).size, total: s.length };
  }
}

/** What to time for one MAC node: dense or depthwise Conv, Gemm/MatMul with a constant weight. */
function layerSpec(full: NodeDims, least: NodeDims, roundTo: number): LayerSpec | undefined {
  const node = full.node;
  const inDims = full.inputs[0];
  const outDims = full.outputs[0];
  const w = resolveConstant(node.inputs[1] ?? undefined);
  if (!inDims || !outDims || !w) return undefined;
  const weightDims = [...w.dims];
  let cin: number;
  let cout: number;
  let kind: LayerSpec['kind'] = 'dense';
  if (node.opType === 'Conv') {
    if (inDims.length !== 4 || weightDims.length !== 4) return undefined;
    const group = node.attrInt('group', 1);
    [cin, cout] = [inDims[1]!, outDims[1]!];
    if (group !== 1) {
      if (!(group === cin && cin === cout && weightDims[1] === 1)) return undefined;
      kind = 'depthwise';
    }
  } else if (node.opType === 'Gemm' || node.opType === 'MatMul') {
    if (inDims.length !== 2 || weightDims.length !== 2) return undefined;
    if (node.opType === 'Gemm' && node.attrInt('transA', 0) !== 0) return undefined;
    [cin, cout] = [inDims[1]!, outDims[1]!];
  } else return undefined;
  const lin = least.inputs[0]?.[1] ?? cin;
  const lout = least.outputs[0]?.[1] ?? cout;
  const gridOut = axisGrid(cout, lout !== cout, roundTo);
  const gridIn = kind === 'depthwise' ? [cin] : axisGrid(cin, lin !== cin, roundTo);
  const attrs = [...node.attributes].map(([k, a]) => `${k}=${JSON.stringify(a)}`).join(',');
  const key = `${node.opType}|${kind}|${attrs}|x=${inDims}|w=${weightDims}|bias=${node.inputs[2] ? 1 : 0}|grid=${gridIn};${gridOut}`;
  return { key, node, kind, cin, cout, inDims, weightDims, gridIn, gridOut };
}

/** Bilinear interpolation on the grid; linear extrapolation below its first point, never below 0. */
function interpolate(spec: LayerSpec, times: readonly number[], cin: number, cout: number): number {
  const [i0, i1, fi] = bracket(spec.gridIn, spec.kind === 'depthwise' ? spec.cin : cin);
  const [o0, o1, fo] = bracket(spec.gridOut, cout);
  const n = spec.gridOut.length;
  const at = (i: number, o: number) => times[i * n + o]!;
  const lo = at(i0, o0) + fo * (at(i0, o1) - at(i0, o0));
  const hi = at(i1, o0) + fo * (at(i1, o1) - at(i1, o0));
  return Math.max(0, lo + fi * (hi - lo));
}

/** Indices around x and the fraction between them (extrapolating past the ends). */
function bracket(grid: readonly number[], x: number): [number, number, number] {
  if (grid.length === 1) return [0, 0, 0];
  let j = 0;
  while (j < grid.length - 2 && x > grid[j + 1]!) j++;
  const [a, b] = [grid[j]!, grid[j + 1]!];
  return [j, j + 1, (x - a) / (b - a)];
}
