// X·Xᵀ through ONNX Runtime: FPGM needs every pairwise filter distance, O(n²·d) multiply-adds
// (10^10 on ResNet-50), which plain JS does about 20–50× slower than ORT's GEMM.

import { Graph } from '../ir/graph.js';
import { createModel } from '../ir/model.js';
import { Session } from './session.js';

/** One ORT session computing Gemm(X, X, transB=1) for any [rows, cols] X; create lazily, release. */
export class GramRunner {
  private session: Promise<Session> | undefined;

  constructor(private readonly threads?: number) {}

  async gram(data: Float32Array, rows: number, cols: number): Promise<Float32Array> {
    this.session ??= Session.create(createModel(gramGraph()), {
      label: 'pare gram',
      ...(this.threads === undefined ? {} : { threads: this.threads }),
    });
    const s = await this.session;
    const out = await s.run({ X: { dims: [rows, cols], data } }, ['G']);
    return out.G!.data as Float32Array;
  }

  async release(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s) await (await s).release();
  }
}

function gramGraph(): Graph {
  const g = new Graph('gram');
  g.opsets.set('', 13);
  const x = g.addInput('X', ['rows', 'cols']);
  const n = g.addNode('Gemm', [x, x], ['G'], { attrs: { transB: 1 } });
  g.addOutput(n.outputs[0]!);
  return g;
}
