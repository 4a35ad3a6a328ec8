// `pare compress`'s options table: each flag once (help text, default, schema; `option`: the
// compressModel option it sets as it is). A pass-through flag is one entry here.

import { compressOptionSchemas as lib } from '../methods/compress.js';
import { compressMethodNames } from '../methods/compress-recipes.js';
import type { CompressOptions } from '../methods/compress-types.js';
import { intAtLeast, numberIn } from '../util/option-schemas.js';
import { dataFlags } from './data-options.js';
import { type FlagTable, type FlagValues, fromText, outputFlag, switchOff, switchOn, text } from './flags.js';

export const compressFlags = {
  output: outputFlag('where to write the pruned model'),
  method: {
    flags: '--method <name>',
    help: `shipped recipe: ${compressMethodNames.join(', ')}`,
    schema: text,
  },
  recipe: {
    flags: '--recipe <file>',
    help: 'your own recipe (YAML or JSON; docs/methods.md lists the fields)',
    schema: text,
  },
  target: {
    flags: '--target <t>',
    help: 'macs=F or params=F: the fraction of the original kept',
    required: true,
    schema: text.unwrap(),
  },
  data: {
    flags: '--data <spec>',
    help: 'labelled training data (train split trains and scores, test split evaluates)',
    required: true,
    schema: text.unwrap(),
  },
  epochs: {
    option: 'epochs',
    flags: '--epochs <n>',
    help: 'epochs of training in all (default: the recipe)',
    schema: fromText(lib.epochs).optional(),
  },
  lr: {
    flags: '--lr <rate>',
    help: 'base learning rate (default: the recipe)',
    schema: fromText(numberIn(0)).optional(),
  },
  teacher: { flags: '--no-teacher', help: 'no distillation from the original model', schema: switchOff },
  kdAlpha: {
    flags: '--kd-alpha <a>',
    help: 'weight of the distillation term, the labels get 1 − a (default: the recipe; docs/methods.md)',
    schema: fromText(numberIn(0, 1)).optional(),
  },
  cropPad: {
    flags: '--crop-pad <px>',
    help: 'pad-and-random-crop augmentation (default: the recipe)',
    schema: fromText(intAtLeast(0)).optional(),
  },
  flip: { flags: '--flip', help: 'random horizontal flips', schema: switchOn },
  evalSamples: {
    option: 'evalSamples',
    flags: '--eval-samples <n>',
    help: 'test images per evaluation (default: the whole test split)',
    schema: fromText(lib.evalSamples).optional(),
  },
  checkpointDir: { flags: '--checkpoint-dir <dir>', help: 'checkpoints (default OUTPUT.ckpt)', schema: text },
  resume: { flags: '--resume', help: 'continue from the checkpoint directory', schema: switchOn },
  planOut: { flags: '--plan-out <file>', help: 'write the pruning plan (JSON)', schema: text },
  report: {
    flags: '--report <file>',
    help: 'write the report (JSON: every stage with widths, MACs, accuracy, time)',
    schema: text,
  },
  verify: {
    option: 'verify',
    flags: '--no-verify',
    help: 'skip the proof that the cut equals the masked network',
    schema: switchOff,
  },
  latency: { flags: '--no-latency', help: 'skip the ONNX Runtime latency measurement', schema: switchOff },
  roundTo: {
    option: 'roundTo',
    flags: '--round-to <n>',
    help: "kept widths in multiples of n; 'auto' (default): ONNX Runtime's channel block on this CPU, 1: off",
    default: 'auto',
    schema: fromText(lib.roundTo),
  },
  threads: {
    flags: '--threads <n>',
    help: 'intra-op threads',
    option: 'threads',
    schema: fromText(lib.threads).optional(),
  },
  engine: {
    option: 'engine',
    flags: '--engine <e>',
    help: 'training engine: auto, dnnl, nchwc or standard',
    default: 'auto',
    schema: lib.engine,
  },
  json: { flags: '--json', help: 'NDJSON progress events on stdout, then the report', schema: switchOn },
  ...dataFlags,
} satisfies FlagTable<keyof CompressOptions>;

export type CompressFlagValues = FlagValues<typeof compressFlags>;
