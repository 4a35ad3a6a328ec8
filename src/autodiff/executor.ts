// Who executes the graphs autodiff builds: a minimal interface (ONNX Runtime's Session satisfies it;
// another executor may). autodiff never imports the runtime itself.

import type { TypedArray } from '../ir/dtype.js';
import type { Model } from '../ir/model.js';

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
