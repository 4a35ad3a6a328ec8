// pare's public library API: explicit named exports only.

export { type AllocationTarget, allocate } from './allocate/allocate.js';
export { analyzeChannels } from './analysis/channel-groups.js';
export type { ChannelAnalysis, ChannelGroup } from './analysis/channel-types.js';
export { modelFingerprint, type PruningPlan, readPlan, writePlan } from './analysis/plan.js';
export { buildBackward } from './autodiff/backward.js';
export { buildTrainingGraph } from './autodiff/training-graph.js';
export { importance, importanceWithCalibration } from './criteria/importance.js';
export { criteria, criterionNames } from './criteria/registry.js';
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
export { type PruneOptions, type PruneResult, pruneModel } from './methods/prune.js';
export { decodeModel, readModel } from './onnx/read.js';
export { encodeModel, type WriteOptions, writeModel } from './onnx/write.js';
export { constValue } from './ops/const-eval.js';
export { type CostReport, computeCosts, type NodeCost } from './ops/costs.js';
export { inferShapes } from './ops/infer-shapes.js';
export { inferShapesWithRuntime } from './ops/infer-shapes-runtime.js';
export { recalibrateBatchNorm } from './recover/bn-recalibrate.js';
export { type ReportHtmlOptions, renderReportHtml } from './report/report-html.js';
export {
  type EpochRecord,
  type GroupRecord,
  type LayerRecord,
  parseRunRecord,
  RUN_FORMAT,
  RUN_VERSION,
  type RunMetrics,
  type RunRecord,
  runRecordSchema,
  type SensitivityRecord,
} from './report/run-record.js';
export { measureLatency } from './runtime/latency.js';
export { type HostTensor, runCapturing, Session, type SessionOptions } from './runtime/session.js';
export { applyPlan } from './surgery/apply-plan.js';
export { foldBatchNorm } from './surgery/fold-bn.js';
export { unfoldBatchNorm } from './surgery/unfold-bn.js';
export { verifyPlan } from './surgery/verify.js';
export { evaluateModel } from './train/evaluate.js';
export { trainModel } from './train/trainer.js';
export { type Diagnostic, formatDiagnostic } from './util/diagnostics.js';
export { type ErrorCode, PareError } from './util/errors.js';
export { Rng } from './util/rng.js';
export { buildZooModel, zooModelNames, zooModels } from './zoo/registry.js';
