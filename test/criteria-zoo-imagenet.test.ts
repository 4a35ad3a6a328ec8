// Criteria and allocation over the zoo's ImageNet models, scored at 3×64×64 to keep runs short.

import { sweepZooModel } from './criteria-zoo-sweep.js';

for (const name of ['resnet18', 'resnet50', 'mobilenetv2'])
  sweepZooModel(name, { inputShape: [3, 64, 64] }, [3, 64, 64]);
