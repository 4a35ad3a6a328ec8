// Criteria and allocation over the zoo's VGGs (CIFAR inputs).

import { sweepZooModel } from './criteria-zoo-sweep.js';

for (const name of ['vgg11', 'vgg13', 'vgg16', 'vgg19']) sweepZooModel(name, {}, [3, 32, 32]);
