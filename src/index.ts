// pare's public library API: explicit named exports only.

export type { BatchLoaderOptions } from './data/batch-loader.js';
export { BatchLoader } from './data/batch-loader.js';
export { sampleBalanced } from './data/calibration-sampler.js';
export { openDataset, parseDataSpec } from './data/data-spec.js';
export type { Dataset } from './data/dataset.js';
export type { Attribute } from './ir/attribute.js';
export { GraphBuilder } from './ir/builder.js';
export type { DType, TypedArray } from './ir/dtype.js';
export { Graph } from './ir/graph.js';
export { cloneModel, createModel, type Model } from './ir/model.js';
export { Node } from './ir/node.js';
export { Tensor } from './ir/tensor.js';
export { validateGraph } from './ir/validate.js';
export { type Dim, Value } from './ir/value.js';
export { decodeModel, readModel } from './onnx/read.js';
export { encodeModel, type WriteOptions, writeModel } from './onnx/write.js';
export { constValue } from './ops/const-eval.js';
export { type CostReport, computeCosts, type NodeCost } from './ops/costs.js';
export { inferShapes } from './ops/infer-shapes.js';
export { inferShapesWithRuntime } from './ops/infer-shapes-runtime.js';
export { type HostTensor, runCapturing, Session, type SessionOptions } from './runtime/session.js';
export { type Diagnostic, formatDiagnostic } from './util/diagnostics.js';
export { type ErrorCode, PareError } from './util/errors.js';
export { Rng } from './util/rng.js';
export { buildZooModel, zooModelNames, zooModels } from './zoo/registry.js';
