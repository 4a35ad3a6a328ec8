// `pare train`'s options table: each flag once (help text, default, schema). A new flag is one
// entry here; the command reads the typed values with readFlags.

import { trainOptionSchemas as lib } from '../train/trainer.js';
import { intAtLeast, numberIn, oneOf } from '../util/option-schemas.js';
import { dataFlags } from './data-options.js';
import { type FlagTable, type FlagValues, fromText, switchOff, switchOn, text } from './flags.js';

const required = text.unwrap();

export const trainFlags = {
  data: {
    flags: '--data <spec>',
    help: 'training data, e.g. idx:/usr/share/datasets/fashion-mnist (train split; the test split is evaluated each epoch)',
    required: true,
    schema: required,
  },
  output: {
    flags: '-o, --output <file>',
    help: 'where to write the trained model (also the checkpoint, with a .train sidecar)',
    required: true,
    schema: required,
  },
  epochs: { flags: '--epochs <n>', help: 'epochs', default: '1', schema: fromText(lib.epochs) },
  steps: {
    flags: '--steps <n>',
    help: 'stop after N steps in all',
    schema: fromText(lib.maxSteps).optional(),
  },
  lr: { flags: '--lr <rate>', help: 'base learning rate', default: '0.1', schema: fromText(lib.lr) },
  optimizer: {
    flags: '--optimizer <name>',
    help: 'sgd, adam or adamw',
    default: 'sgd',
    schema: oneOf(['sgd', 'adam', 'adamw']),
  },
  momentum: {
    flags: '--momentum <m>',
    help: 'SGD momentum',
    default: '0.9',
    schema: fromText(numberIn(0, 1)),
  },
  nesterov: { flags: '--nesterov', help: 'Nesterov momentum', schema: switchOn },
  wd: { flags: '--wd <decay>', help: 'weight decay', default: '5e-4', schema: fromText(numberIn(0, 1)) },
  schedule: {
    flags: '--schedule <s>',
    help: 'cosine, constant or step:E1,E2[@gamma]',
    default: 'cosine',
    schema: required,
  },
  warmup: {
    flags: '--warmup <epochs>',
    help: 'linear warm-up epochs',
    default: '0',
    schema: fromText(numberIn(0)),
  },
  labelSmoothing: {
    flags: '--label-smoothing <eps>',
    help: 'label smoothing',
    default: '0',
    schema: fromText(numberIn(0, 1)),
  },
  cropPad: {
    flags: '--crop-pad <px>',
    help: 'pad-and-random-crop augmentation (pixels; 0 = off)',
    default: '0',
    schema: fromText(intAtLeast(0)),
  },
  flip: { flags: '--flip', help: 'random horizontal flips', schema: switchOn },
  teacher: { flags: '--teacher <model>', help: 'distil from this model (Hinton KD on logits)', schema: text },
  kdAlpha: {
    flags: '--kd-alpha <a>',
    help: 'weight of the KD term (1-a for cross-entropy)',
    default: '0.9',
    schema: fromText(numberIn(0, 1)),
  },
  kdTemperature: {
    flags: '--kd-temperature <T>',
    help: 'KD temperature',
    default: '4',
    schema: fromText(numberIn(0.01)),
  },
  kdFeatures: {
    flags: '--kd-features <pairs>',
    help: 'also distil features: STUDENT=TEACHER,... value names, or auto (the last value of each resolution, same name in both)',
    schema: text,
  },
  kdFeatureLoss: {
    flags: '--kd-feature-loss <l>',
    help: 'mse (equal shapes) or attention (channel counts may differ)',
    default: 'attention',
    schema: oneOf(['mse', 'attention']),
  },
  kdBeta: {
    flags: '--kd-beta <w>',
    help: 'weight of each feature term (default 500 for attention, 1 for mse)',
    schema: fromText(numberIn(0)).optional(),
  },
  unfoldBn: {
    flags: '--no-unfold-bn',
    help: 'train a BN-folded model as it is (default: BN put back for training, folded on export)',
    schema: switchOff,
  },
  reinit: {
    flags: '--reinit',
    help: 'start from new weights, same architecture (Kaiming convs, PyTorch-default Linear, identity BN; seeded by --seed)',
    schema: switchOn,
  },
  patience: {
    flags: '--patience <epochs>',
    help: 'stop when test accuracy has not improved for this many epochs',
    schema: fromText(lib.patience).optional(),
  },
  resume: {
    flags: '--resume',
    help: 'continue from the checkpoint at --output (model + .train sidecar)',
    schema: switchOn,
  },
  threads: {
    flags: '--threads <n>',
    help: 'intra-op threads (ONNX Runtime, or OpenMP for --engine dnnl)',
    schema: fromText(lib.threads).optional(),
  },
  engine: {
    flags: '--engine <e>',
    help: 'auto, dnnl (oneDNN addon, npm run build:dnnl), nchwc (ORT blocked conv kernels) or standard ONNX ops',
    default: 'auto',
    schema: lib.engine,
  },
  report: {
    flags: '--report <file>',
    help: 'write a report: FILE.html (training curves, sizes) or FILE.json (the run record); evaluates the starting model first',
    schema: text,
  },
  json: { flags: '--json', help: 'print one JSON object at the end', schema: switchOn },
  ...dataFlags,
} satisfies FlagTable;

export type TrainFlagValues = FlagValues<typeof trainFlags>;
