// Criteria and allocation over LeNet-5 (MNIST input) and the CIFAR ResNets.

import { sweepZooModel } from './criteria-zoo-sweep.js';

sweepZooModel('lenet5', {}, [1, 28, 28]);
for (const name of ['resnet20', 'resnet32', 'resnet44', 'resnet56', 'resnet110'])
  sweepZooModel(name, {}, [3, 32, 32]);
