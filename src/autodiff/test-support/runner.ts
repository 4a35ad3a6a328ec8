// Test support: the executor interface the checks run graphs through. Tests pass ONNX Runtime's
// Session (autodiff itself never imports the runtime: the graphs do not know who executes them).

import type { TypedArray } from '../../ir/dtype.js';
import type { Model } from '../../ir/model.js';

export interface HostTensor {
  readonly dims: readonly number[];
  readonly data: TypedArray;
}

export type HostFeeds = Readonly<Record<string, HostTensor>>;

export interface OpenSession {
  run(feeds: HostFeeds, fetches?: readonly string[]): Promise<Record<string, HostTensor>>;
  release(): Promise<void>;
}

export type Open = (model: Model) => Promise<OpenSession>;
