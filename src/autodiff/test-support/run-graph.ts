// Test support: run a Graph once in ONNX Runtime and return its outputs.

import type { Graph } from '../../ir/graph.js';
import { createModel } from '../../ir/model.js';
import { type Feeds, type HostTensor, Session } from '../../runtime/session.js';

export async function runGraph(g: Graph, feeds: Feeds): Promise<Record<string, HostTensor>> {
  const s = await Session.create(createModel(g), { threads: 1 });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

export const f64 = (dims: readonly number[], values: readonly number[]): HostTensor => ({
  dims,
  data: Float64Array.from(values),
});
export const f32 = (dims: readonly number[], values: readonly number[]): HostTensor => ({
  dims,
  data: Float32Array.from(values),
});
export const numbers = (t: HostTensor | undefined): number[] =>
  Array.from(t!.data as ArrayLike<number>, Number);
