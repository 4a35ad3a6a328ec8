// The zoo's registry: reference CNNs by name, each with its default input and a builder that emits an
// ONNX model (opset 13, input 'input' [N, C, H, W], output 'logits') with seeded Kaiming weights.

import type { Model } from '../ir/model.js';
import { PareError } from '../util/errors.js';
import { buildLeNet5 } from './lenet.js';
import { buildMobileNetV2 } from './mobilenet-v2.js';
import { buildResNet, type ResNetDepth } from './resnet.js';
import { buildCifarResNet } from './resnet-cifar.js';
import { buildVgg, type VggDepth } from './vgg.js';
import {
  type ResolvedZooOptions,
  resolveZooOptions,
  type ZooDefaults,
  type ZooEntry,
  type ZooOptions,
} from './zoo-options.js';

const mnist = { inputShape: [1, 28, 28], classes: 10 } as const satisfies ZooDefaults;
const cifar = { inputShape: [3, 32, 32], classes: 10 } as const satisfies ZooDefaults;
const imagenet = { inputShape: [3, 224, 224], classes: 1000 } as const satisfies ZooDefaults;

/** An entry whose build resolves and checks the options against its defaults first. */
function entry(
  name: string,
  description: string,
  defaults: ZooDefaults,
  build: (options: ResolvedZooOptions) => Model,
): ZooEntry {
  return {
    description,
    defaults,
    build: (options: ZooOptions = {}) => build(resolveZooOptions(name, defaults, options)),
  };
}

const vgg = (d: VggDepth): ZooEntry =>
  entry(`vgg${d}`, `VGG-${d} with BatchNorm, CIFAR layout (classifier Linear(512, classes))`, cifar, (o) =>
    buildVgg(d, o),
  );
const cifarResNet = (d: number): ZooEntry =>
  entry(
    `resnet${d}`,
    `CIFAR ResNet-${d}: 3 stages × ${(d - 2) / 6} BasicBlocks, 1×1 conv + BN shortcuts`,
    cifar,
    (o) => buildCifarResNet(d, o),
  );
const resnet = (d: ResNetDepth, block: string): ZooEntry =>
  entry(`resnet${d}`, `ResNet-${d} as in torchvision (${block}, ImageNet stem)`, imagenet, (o) =>
    buildResNet(d, o),
  );

export const zooModels = {
  lenet5: entry('lenet5', 'LeNet-5 (ReLU, max pool; conv1 pads 2 below 32×32 inputs)', mnist, buildLeNet5),
  vgg11: vgg(11),
  vgg13: vgg(13),
  vgg16: vgg(16),
  vgg19: vgg(19),
  resnet20: cifarResNet(20),
  resnet32: cifarResNet(32),
  resnet44: cifarResNet(44),
  resnet56: cifarResNet(56),
  resnet110: cifarResNet(110),
  resnet18: resnet(18, 'BasicBlock'),
  resnet50: resnet(50, 'Bottleneck v1.5'),
  mobilenetv2: entry(
    'mobilenetv2',
    'MobileNetV2 as in torchvision (ReLU6 as Clip; option width: channel multiplier)',
    { ...imagenet, width: 1 },
    buildMobileNetV2,
  ),
} as const satisfies Record<string, ZooEntry>;

export type ZooModelName = keyof typeof zooModels;

export const zooModelNames = Object.keys(zooModels) as ZooModelName[];

export function isZooModelName(name: string): name is ZooModelName {
  return Object.hasOwn(zooModels, name);
}

/** Build a zoo model by name; an unknown name is a PareError that lists the valid ones. */
export function buildZooModel(name: string, options: ZooOptions = {}): Model {
  if (!isZooModelName(name)) {
    throw new PareError('PARE_CONFIG', `unknown zoo model '${name}'`, {
      notes: [`valid names: ${zooModelNames.join(', ')}`],
    });
  }
  return zooModels[name].build(options);
}
