// Test support: run a Graph once through the given executor and return its outputs.

import type { Graph } from '../../ir/graph.js';
import { createModel } from '../../ir/model.js';
import type { HostFeeds, HostTensor, Open } from '../executor.js';

export async function runGraph(open: Open, g: Graph, feeds: HostFeeds): Promise<Record<string, HostTensor>> {
  const s = await open(createModel(g));
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
