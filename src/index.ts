// pare's public library API: explicit named exports only.

export {
  type AllocateOptions,
  type Allocation,
  type AllocationTarget,
  allocate,
} from './allocate/allocate.js';
export type { Frozen } from './allocate/constraints.js';
export type { LatencyAwareReport, LatencyPredictor } from './allocate/latency-aware.js';
export { LatencyModel, type LatencyModelOptions } from './allocate/latency-model.js';
export type { SensitivityCurves } from './allocate/sensitivity-curves.js';
export type { TargetReport } from './allocate/target-search.js';
export { type AnalyzeOptions, analyzeChannels } from './analysis/channel-groups.js';
export type { ChannelAnalysis, ChannelGroup, ChannelMember, ChannelValue } from './analysis/channel-types.js';
export { type CostModel, type Costs, predictCosts } from './analysis/cost-model.js';
export { modelFingerprint, type PruningPlan, readPlan, writePlan } from './analysis/plan.js';
export { type Backward, type BackwardOptions, buildBackward } from './autodiff/backward.js';
export type { GradContext, GradRule } from './autodiff/grad-rule.js';
export type { DistillationOptions } from './autodiff/losses/distillation.js';
export type { AdamOptions } from './autodiff/optim/adam.js';
export type { OptimizerOptions } from './autodiff/optim/optimizer.js';
export type { SgdOptions } from './autodiff/optim/sgd.js';
export {
  buildTrainingGraph,
  type MaskSlot,
  type StateKind,
  type StateSlot,
  type TrainingGraph,
  type TrainingGraphOptions,
} from './autodiff/training-graph.js';
export type { FeatureLoss, LossOptions, TeacherInput } from './autodiff/training-loss.js';
export { type GroupGradientOptions, measureGradientStats } from './criteria/gradient-stats.js';
export {
  type CalibratedImportanceOptions,
  type Importance,
  type ImportanceOptions,
  importance,
  importanceWithCalibration,
} from './criteria/importance.js';
export { criteria, criterionNames } from './criteria/registry.js';
export type { BatchLoaderOptions } from './data/batch-loader.js';
export { BatchLoader } from './data/batch-loader.js';
export { sampleBalanced } from './data/calibration-sampler.js';
export { type DataSpec, type OpenDatasetOptions, openDataset, parseDataSpec } from './data/data-spec.js';
export type { Dataset, SampleShape, Split } from './data/dataset.js';
export type { DnnlEngineOptions } from './engine/dnnl/dnnl-engine.js';
export type { ChannelGradientStats, LogitsHook, LogitsHookInput } from './engine/step-engine.js';
export type { Attribute } from './ir/attribute.js';
export { GraphBuilder } from './ir/builder.js';
export type { DType, TypedArray } from './ir/dtype.js';
export { Graph } from './ir/graph.js';
export { cloneModel, createModel, type Model } from './ir/model.js';
export { Node } from './ir/node.js';
export { Tensor } from './ir/tensor.js';
export { validateGraph } from './ir/validate.js';
export { type Dim, Value, type ValueType } from './ir/value.js';
export type { LayerStats, LinearLayer } from './linear/layer.js';
export type { SelectLayer, SelectUnit } from './linear/select.js';
export type { ChannelStats, CollectOptions } from './measure/activation-stats.js';
export type { EvalResult } from './measure/classification-meter.js';
export type {
  ChannelSet,
  GradientStatsOptions,
  GradientTap,
  GroupGradientStats,
} from './measure/gradient-stats.js';
export { inferShapesWithRuntime, type RuntimeShapeOptions } from './measure/infer-shapes-runtime.js';
export {
  type AppliedPlan,
  type ApplyToModelOptions,
  applyPlanToModel,
} from './methods/apply-plan-to-model.js';
export { type CacpPruneOptions, type CacpPruneResult, cacpPrune } from './methods/cacp.js';
export type { DdpgOptions } from './methods/cacp-agent.js';
export {
  type CacpEpisodeRecord,
  type CacpSearchOptions,
  type CacpSearchResult,
  type CacpTargetResult,
  cacpSearch,
} from './methods/cacp-search.js';
export { compressModel, compressOptionSchemas } from './methods/compress.js';
export { type CompressRecipe, parseRecipe, readRecipe } from './methods/compress-recipe.js';
export { compressMethodNames, compressRecipe } from './methods/compress-recipes.js';
export type {
  CompressEvent,
  CompressOptions,
  CompressResult,
  CompressStage,
} from './methods/compress-types.js';
export type { DeclaredInterface } from './methods/declared-interface.js';
export { type GaOptions, type GaResult, gaSearch } from './methods/ga.js';
export { type LayerLoss, type LossLayer, layerLoss, lossOf } from './methods/ga-fitness.js';
export { type GaLayer, type GaPlan, type GaSettings, gaPlan } from './methods/ga-select.js';
export type {
  LatencyAttempt,
  LatencyGoal,
  LatencyOptions as PruneLatencyOptions,
  LatencyReport,
} from './methods/latency-target.js';
export {
  type PruneEvent,
  type PruneOptions,
  type PruneResult,
  pruneModel,
  pruneOptionSchemas,
  type ResolvedPruneOptions,
} from './methods/prune.js';
export { type Recipe, type RecipeName, recipeNames, recipes, withRecipe } from './methods/recipes.js';
export {
  type FsmRecovery,
  type LeastSquaresRecovery,
  type Recovery,
  type RecoveryInput,
  type RecoveryName,
  type RecoveryReport,
  recoveries,
  recoveryNames,
} from './methods/recoveries.js';
export {
  type SensitivityOptions,
  type SensitivityPoint,
  type SensitivityResult,
  sensitivity,
} from './methods/sensitivity.js';
export { type DecodeOptions, decodeModel, type ReadOptions, readModel } from './onnx/read.js';
export { encodeModel, type WriteOptions, writeModel } from './onnx/write.js';
export { constValue } from './ops/const-eval.js';
export { type CostReport, computeCosts, type NodeCost } from './ops/costs.js';
export { type InferShapesOptions, inferShapes } from './ops/infer-shapes.js';
export {
  type RecalibrateOptions,
  type RecalibrateResult,
  recalibrateBatchNorm,
} from './recover/bn-recalibrate.js';
export type { LayerReconstruction } from './recover/least-squares.js';
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
export type { WarningSink } from './report/run-section.js';
export {
  compareLatency,
  type InterleavedLatency,
  type LatencyOptions,
  type LatencyResult,
  measureLatency,
} from './runtime/latency.js';
export { nchwcBlock } from './runtime/nchwc-block.js';
export { type HostTensor, runCapturing, Session, type SessionOptions } from './runtime/session.js';
export { type ApplyOptions, applyPlan } from './surgery/apply-plan.js';
export { type FoldOptions, foldBatchNorm } from './surgery/fold-bn.js';
export { type MeanVariance, type UnfoldOptions, unfoldBatchNorm } from './surgery/unfold-bn.js';
export { type OutputCheck, type VerifyOptions, type VerifyResult, verifyPlan } from './surgery/verify.js';
export { AdversarialGame, type AdversarialGameOptions } from './train/adversarial-game.js';
export {
  bceWithLogits,
  Discriminator,
  type DiscriminatorOptions,
  type DiscriminatorPass,
} from './train/discriminator.js';
export { type EvalOptions, evaluateModel } from './train/evaluate.js';
export type {
  FeatureDistillation,
  FeatureLossKind,
  FeaturePair,
  ResolvedFeature,
} from './train/feature-pairs.js';
export type { ScheduleOptions } from './train/schedule.js';
export {
  type StepTiming,
  type TrainEvent,
  type TrainOptions,
  type TrainResult,
  trainModel,
  trainOptionSchemas,
} from './train/trainer.js';
export { type Diagnostic, formatDiagnostic } from './util/diagnostics.js';
export { type ErrorCode, PareError, type PareErrorOptions } from './util/errors.js';
export type { CountEvent, EventSink, StatusEvent } from './util/events.js';
export { checkOptions, type OptionSchemas } from './util/option-schemas.js';
export { Rng } from './util/rng.js';
export { buildZooModel, zooModelNames, zooModels } from './zoo/registry.js';
export type { ZooOptions } from './zoo/zoo-options.js';
