// `pare prune`'s options table: each flag once (help text, default, schema; `option`: the
// pruneModel option it sets as it is, so a pass-through flag is one entry). Values the library
// takes are parsed with the library's own schemas (pruneOptionSchemas), so the CLI and pruneModel
// refuse the same values; composite flags (--target with --ratio, --layer-ratio, --search) are
// combined in prune-options.ts. A new flag is one entry here.

import { z } from 'zod';
import { criterionNames } from '../criteria/registry.js';
import { type PruneOptions, pruneOptionSchemas } from '../methods/prune.js';
import { recipeNames } from '../methods/recipes.js';
import { intAtLeast, numberIn, oneOf } from '../util/option-schemas.js';
import { dataFlags } from './data-options.js';
import {
  type FlagTable,
  type FlagValues,
  fromText,
  jsonFlag,
  list,
  outputFlag,
  switchOff,
  switchOn,
  text,
} from './flags.js';

const lib = pruneOptionSchemas;

export const pruneFlags = {
  output: outputFlag('where to write the pruned model'),
  method: {
    flags: '--method <name>',
    help: `a published method's defaults for criterion, allocation and recovery: ${recipeNames.join(', ')}; or cacp (one conditional search, one model per --targets rate) (docs/methods.md)`,
    schema: z.enum([...recipeNames, 'cacp'], { error: 'unknown method' }).optional(),
    notes: [`valid methods: ${recipeNames.join(', ')}, cacp (see docs/methods.md)`],
  },
  criterion: {
    option: 'criterion',
    flags: '--criterion <name>',
    help: `importance criterion: ${criterionNames.join(', ')}`,
    default: 'l1',
    schema: lib.criterion,
  },
  target: {
    flags: '--target <metric=F>',
    help: 'keep this fraction of the MACs, parameters or measured latency (macs=0.5, params=0.5, latency=0.5), or latency-ms=X',
    schema: text,
  },
  targets: {
    flags: '--targets <metric=F,F,...>',
    help: '--method cacp: several rates from one search, e.g. macs=0.3,0.5,0.7; writes OUT.macs-0.3.onnx, ... and OUT.cacp.json',
    schema: text,
  },
  data: {
    flags: '--data <spec>',
    help: '--method cacp: labelled training data (held-out images score candidates, others recalibrate BN)',
    schema: text,
  },
  episodes: {
    flags: '--episodes <n>',
    help: '--method cacp: learning episodes after the warm-up (default 100)',
    schema: fromText(intAtLeast(0)).optional(),
  },
  warmup: {
    flags: '--warmup <n>',
    help: '--method cacp: random episodes before learning (default 30)',
    schema: fromText(intAtLeast(0)).optional(),
  },
  searchSamples: {
    flags: '--search-samples <n>',
    help: '--method cacp: held-out images each candidate is scored on (default 500)',
    schema: fromText(intAtLeast(1)).optional(),
  },
  ratio: {
    flags: '--ratio <r>',
    help: 'remove this fraction of channels of every prunable group (uniform)',
    schema: fromText(numberIn(0, 1)).optional(),
  },
  global: {
    flags: '--global',
    help: 'rank channels across groups (with --ratio: global ratio; with --target: the default search)',
    schema: switchOn,
  },
  search: {
    flags: '--search <mode>',
    help: 'how --target is met: global (threshold over normalised scores) or uniform (one ratio)',
    schema: oneOf(['global', 'uniform']).optional(),
  },
  layerRatio: {
    flags: '--layer-ratio <pattern=r>',
    help: 'per-layer ratio by node-name pattern (repeatable; --ratio for the rest)',
    repeatable: true,
    default: [],
    schema: list,
  },
  allocate: {
    flags: '--allocate <how>',
    help: "'sensitivity': per-group ratios from a sensitivity analysis (--sensitivity FILE), an accuracy-drop threshold searched to meet --target",
    schema: oneOf(['sensitivity']).optional(),
  },
  sensitivity: {
    flags: '--sensitivity <file>',
    help: 'JSON of pare sensitivity for --allocate sensitivity',
    schema: text,
  },
  roundTo: {
    option: 'roundTo',
    flags: '--round-to <n>',
    help: "keep widths that are multiples of n (groups at least n wide); 'auto': ONNX Runtime's channel block on this CPU (16 with AVX-512, 8 with AVX2), 1: off",
    default: 'auto',
    schema: fromText(lib.roundTo),
  },
  minChannels: {
    option: 'minChannels',
    flags: '--min-channels <n>',
    help: 'fewest channels a group keeps',
    default: '1',
    schema: fromText(lib.minChannels),
  },
  maxRatio: {
    option: 'maxRatio',
    flags: '--max-ratio <r>',
    help: 'largest fraction of one group that may go',
    schema: fromText(lib.maxRatio).optional(),
  },
  protect: {
    option: 'protect',
    flags: '--protect <pattern>',
    help: 'never prune groups touching nodes matching this (glob or /regex/; repeatable)',
    repeatable: true,
    default: [],
    schema: list,
  },
  keepResidual: {
    option: 'keepResidual',
    flags: '--keep-residual',
    help: 'never prune residual streams (channels several layers write together)',
    schema: switchOn,
  },
  calib: {
    flags: '--calib <spec>',
    help: 'calibration data (activation, lasso and cap criteria; labelled for taylor and fisher; --recover bn|fsm|ls), e.g. idx:/usr/share/datasets/fashion-mnist',
    schema: text,
  },
  calibSamples: {
    option: 'calibrationSamples',
    flags: '--calib-samples <n>',
    help: 'calibration samples, balanced per class',
    default: '512',
    schema: fromText(lib.calibrationSamples),
  },
  recover: {
    option: 'recover',
    flags: '--recover <method>',
    help: 'after cutting: none, bn (re-estimate BatchNorm statistics on --calib), fsm (FSM distribution optimisation of the next BNs) or ls (least-squares refit of the layers that lost inputs, targets from the original model); docs/recovery.md',
    default: 'none',
    schema: lib.recover,
  },
  lsRidge: {
    flags: '--ls-ridge <r>',
    help: 'least squares: ridge relative to the mean feature variance (default 1e-4)',
    schema: fromText(numberIn(0, 1)).optional(),
  },
  lsFeatures: {
    flags: '--ls-features <from>',
    help: 'least squares: inputs from the pruned (He 2017) or original (CaP) model',
    schema: oneOf(['pruned', 'original']).optional(),
  },
  verify: {
    option: 'verify',
    flags: '--verify',
    help: 'prove the pruned model equals the masked original on random inputs',
    schema: switchOn,
  },
  planOut: {
    flags: '--plan-out <file>',
    help: 'write the pruning plan (re-apply with pare apply)',
    schema: text,
  },
  report: {
    flags: '--report <file>',
    help: 'write a report: FILE.html (a page with charts) or FILE.json (the run record)',
    schema: text,
  },
  evalData: {
    flags: '--eval-data <spec>',
    help: 'measure top-1 accuracy before and after on this data (test split), for the report',
    schema: text,
  },
  reduce: {
    option: 'reduce',
    flags: '--reduce <how>',
    help: 'reduce member scores across a group: mean, sum, max, first',
    schema: lib.reduce.optional(),
  },
  scoreNorm: {
    option: 'normalize',
    flags: '--score-norm <how>',
    help: 'normalise group scores: none, mean, max, sum, standardize',
    schema: lib.normalize.optional(),
  },
  criterionOpt: {
    flags: '--criterion-opt <key=value>',
    help: 'criterion option (repeatable)',
    repeatable: true,
    default: [],
    schema: list,
  },
  inputShape: {
    flags: '--input-shape <shape>',
    help: 'dynamic input dims for analysis and latency, e.g. 1x3x224x224 (the written model keeps them dynamic)',
    schema: text,
  },
  fixShape: {
    option: 'fixShape',
    flags: '--fix-shape',
    help: 'write the model with the --input-shape dims fixed',
    schema: switchOn,
  },
  latency: { flags: '--no-latency', help: 'skip the ONNX Runtime latency measurement', schema: switchOff },
  latencyAware: {
    option: 'latencyAware',
    flags: '--no-latency-aware',
    help: "under a macs target, rank channels by score alone (default: also weigh each layer's measured time per MAC, so the cut is as fast as its MACs say)",
    schema: switchOff,
  },
  latencyBatch: {
    flags: '--latency-batch <n>',
    help: 'batch size latency is measured (and latency targets met) at',
    default: '1',
    schema: fromText(intAtLeast(1)),
  },
  latencyCache: {
    flags: '--latency-cache <dir>',
    help: 'folder of cached per-layer latency tables (default ~/.cache/pare/latency)',
    schema: text,
  },
  ep: {
    flags: '--ep <name>',
    help: 'ONNX Runtime execution provider latency is measured on',
    default: 'cpu',
    schema: text.unwrap(),
  },
  threads: {
    flags: '--threads <n>',
    help: 'ONNX Runtime threads',
    option: 'threads',
    schema: fromText(lib.threads).optional(),
  },
  json: jsonFlag,
  ...dataFlags,
} satisfies FlagTable<keyof PruneOptions>;

export type PruneFlagValues = FlagValues<typeof pruneFlags>;
